import { get } from 'node:http';
import { timerDelay } from '../core/duration.ts';
import type { RouterConfig } from './wire.ts';
import type { BackendPool, LiveBackend } from './backends.ts';

type HealthCheck = RouterConfig['healthCheck'];

/**
 * Active health checking by the router itself, so routing stays right while
 * the control plane is down: every `intervalMs`, a GET on each instance in
 * rotation. Settings are read at each round, so a push takes effect at once.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private readonly checking = new Set<LiveBackend>();
  private running = false;

  constructor(
    private readonly pool: BackendPool,
    private readonly settings: () => HealthCheck | undefined,
  ) {}

  /** Starts the rounds; calling it again while running changes nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (!this.running) return;
    const interval = this.settings()?.intervalMs ?? 1000;
    // A config from an older control plane may hold any interval: never more than one timer can wait.
    this.timer = setTimeout(() => this.round(), timerDelay(interval));
    this.timer.unref();
  }

  private round(): void {
    const settings = this.settings();
    if (settings) {
      // A check still running (slow instance) is not doubled up.
      for (const backend of this.pool.inRotation()) if (!this.checking.has(backend)) void this.check(backend, settings);
    }
    this.schedule();
  }

  private async check(backend: LiveBackend, settings: HealthCheck): Promise<void> {
    this.checking.add(backend);
    try {
      const problem = await probe(backend.port, settings.path, settings.timeoutMs, backend.host);
      if (this.running) this.pool.recordCheck(backend, problem === undefined, settings.unhealthyThreshold, problem ?? '');
    } finally {
      this.checking.delete(backend);
    }
  }
}

/** One health check: undefined when it passed (2xx or 3xx in time), else what went wrong. */
export function probe(port: number, path: string, timeoutMs: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    // A fresh connection each time: the check must not take a socket from the traffic pool.
    const req = get({ host, port, path, agent: false, signal: AbortSignal.timeout(timerDelay(timeoutMs)) }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.once('end', () => resolve(status >= 200 && status < 400 ? undefined : `health check answered ${status}`));
      res.once('error', (error) => resolve(`health check failed: ${error.message}`));
    });
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.name === 'AbortError' || error.name === 'TimeoutError' ? `health check timed out after ${timeoutMs}ms` : `health check failed: ${error.code ?? error.message}`),
    );
  });
}
