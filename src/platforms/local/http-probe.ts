import { request } from 'node:http';
import type { ProbeResult } from '../platform.ts';

/** One HTTP GET of the health check path on `host` (a swarm task's node; else 127.0.0.1); 2xx and 3xx are healthy. */
export function httpProbe(port: number, path: string, timeoutMs: number, host = '127.0.0.1'): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ ok: status >= 200 && status < 400, detail: `answered ${status}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, detail: `did not answer within ${timeoutMs}ms` });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ ok: false, detail: error.code === 'ECONNREFUSED' ? 'refused the connection' : error.message });
    });
    req.end();
  });
}
