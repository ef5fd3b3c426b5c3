import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthCheckSpec } from '../spec/types.ts';

export interface ProbeResult {
  ok: boolean;
  /** What happened, in words for messages: "answered 503", "timed out after 2s", "connection refused". */
  detail: string;
}

/** One HTTP GET of the health check path; 2xx and 3xx are healthy. */
export function probe(port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
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

export type StartupOutcome = { healthy: true } | { healthy: false; reason: 'exited' | 'timeout' | 'aborted'; detail: string };

/**
 * Waits until an instance passes `healthyThreshold` probes in a row, it
 * exits, `startupTimeout` passes, or `signal` aborts.
 */
export async function waitUntilHealthy(
  port: number,
  check: HealthCheckSpec,
  isRunning: () => boolean,
  signal: AbortSignal,
): Promise<StartupOutcome> {
  const deadline = Date.now() + check.startupTimeoutMs;
  let passes = 0;
  let last = 'was not probed yet';
  while (!signal.aborted) {
    if (!isRunning()) return { healthy: false, reason: 'exited', detail: 'exited before it became healthy' };
    const result = await probe(port, check.path, check.timeoutMs);
    last = result.detail;
    passes = result.ok ? passes + 1 : 0;
    if (passes >= check.healthyThreshold) return { healthy: true };
    if (Date.now() >= deadline) {
      return { healthy: false, reason: 'timeout', detail: `did not pass its health check (GET ${check.path}) within startupTimeout ${Math.round(check.startupTimeoutMs / 1000)}s; last probe: ${last}` };
    }
    // Probe faster than the interval while starting, so a deployment does not wait a whole interval per instance.
    await sleep(Math.min(check.intervalMs, 250), undefined, { signal }).catch(() => undefined);
  }
  return { healthy: false, reason: 'aborted', detail: 'stopped waiting' };
}
