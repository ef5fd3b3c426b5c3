/** Real servers and routers for the router's tests; everything started here is closed by `closeAll`. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RouterBackend, RouterConfig } from '../../src/router/wire.ts';
import { RouterAdminClient } from '../../src/traffic/builtin/index.ts';
import { silentLogger } from '../../src/router/log.ts';
import { runRouter } from '../../src/router/run-router.ts';
import type { RouterOptions, RunningRouter } from '../../src/router/run-router.ts';

export const TOKEN = 'test-token-0123456789';

/** A sample instance: answers its revision and id, and a few test routes. */
export interface TestBackend {
  id: string;
  revision: number;
  port: number;
  /** Requests received, health checks excluded. */
  received: number;
  /** Answers of `/hold` requests waiting for `releaseHeld`. */
  held: ServerResponse[];
  /** Requests whose client (the router) went away before the answer. */
  abandoned: number;
  healthy: boolean;
  releaseHeld(): void;
  asConfig(inRotation?: boolean): RouterBackend;
  close(): Promise<void>;
}

export class TestBed {
  private readonly closers: (() => Promise<void>)[] = [];
  /** Keep-alive client pool, as a real client would use. */
  readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  async backend(revision: number, id = `r${revision}-${Math.random().toString(36).slice(2, 8)}`): Promise<TestBackend> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://backend');
      if (url.pathname === '/healthz') {
        res.writeHead(backend.healthy ? 200 : 500).end();
        return;
      }
      backend.received += 1;
      if (url.pathname === '/crash') {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (url.pathname === '/hold') {
          backend.held.push(res);
          res.once('close', () => {
            if (!res.writableFinished) backend.abandoned += 1;
          });
          return;
        }
        const status = Number(url.searchParams.get('status') ?? 200);
        const body = Buffer.concat(chunks);
        const answer = JSON.stringify({ revision, id, method: req.method, headers: req.headers, bodyLength: body.length });
        res.writeHead(status, { 'content-type': 'application/json', 'x-backend': id });
        res.end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let closed = false;
    const backend: TestBackend = {
      id,
      revision,
      port: (server.address() as AddressInfo).port,
      received: 0,
      held: [],
      abandoned: 0,
      healthy: true,
      releaseHeld() {
        for (const res of backend.held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ revision, id }));
      },
      asConfig: (inRotation = true) => ({ id, revision, port: backend.port, inRotation }),
      close: async () => {
        if (closed) return;
        closed = true;
        backend.releaseHeld();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
    this.closers.push(backend.close);
    return backend;
  }

  async dir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'cutover-router-'));
    this.closers.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  /** A router in this process, with a token file in `dir` and its state in `dir/state.json`. */
  async router(dir: string, options: Partial<RouterOptions> = {}): Promise<RunningRouter> {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const router = await runRouter({
      stateFile: join(dir, 'state.json'),
      tokenFile,
      adminPort: 0,
      logger: silentLogger,
      stopTimeoutMs: 2_000,
      ...options,
    });
    this.closers.push(() => router.stop());
    return router;
  }

  client(router: { adminPort: number }): RouterAdminClient {
    return new RouterAdminClient(router.adminPort, TOKEN);
  }

  async closeAll(): Promise<void> {
    this.agent.destroy();
    for (const close of this.closers.splice(0).reverse()) await close();
  }
}

export function routerConfig(backends: TestBackend[], weights: Record<string, number>, overrides: Partial<RouterConfig> = {}): RouterConfig {
  return {
    service: 'hello',
    port: 0,
    weights,
    backends: backends.map((backend) => backend.asConfig()),
    // Slow enough that health checks do not interfere unless a test wants them.
    healthCheck: { path: '/healthz', intervalMs: 60_000, timeoutMs: 1_000, unhealthyThreshold: 2 },
    generation: 1,
    ...overrides,
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): { revision?: number; id?: string; method?: string; headers?: IncomingHttpHeaders; bodyLength?: number; error?: { code: string; message: string } };
}

/** One HTTP request to 127.0.0.1:port. */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string; agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: options.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as ReturnType<Answer['json']> });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Waits until `condition` holds; generous, because the test machine is small and busy. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

/** Runs `count` jobs with at most `concurrency` at a time. */
export async function inParallel<T>(count: number, concurrency: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await job(index);
      }
    }),
  );
  return results;
}
