import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeArgsFor, Program } from '../../core/entry.ts';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { freePort } from '../../core/net.ts';
import { KeyedLock } from '../../core/keyed-lock.ts';
import type { Logger } from '../../monitoring/logger.ts';
import { findMarked, hasMarks, signalGroup, isProcessAlive } from '../../platforms/index.ts';
import type { Store } from '../../store/index.ts';
import type { RequestSamples, RouterStats } from '../../router/wire.ts';
import type { TrafficConfig, TrafficRouter } from '../traffic-router.ts';
import { RouterAdminClient } from './client.ts';

/**
 * The built-in router as the control plane sees it: one OS process per
 * service, started detached so it outlives the server, configured through
 * its authenticated admin endpoint. The router persists each config before
 * applying it, so a restarted router serves its last config even while the
 * control plane is down.
 */
export class BuiltinTrafficRouter implements TrafficRouter {
  readonly type = 'builtin';
  private readonly token: string;
  /** Starting, adopting and restarting a service's router happen one at a time, so two are never started. */
  private readonly processLock = new KeyedLock();

  constructor(
    private readonly dataDir: string,
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    this.token = loadOrCreateToken(join(dataDir, 'router-token'));
    // Read-only: what Prometheus scrapes routers (and the control plane) with.
    loadOrCreateToken(metricsTokenPath(dataDir));
  }

  private marks(service: string): Record<string, string> {
    return { CUTOVER_DATA_DIR: this.dataDir, CUTOVER_ROUTER: service };
  }

  private dirOf(service: string): string {
    return join(this.dataDir, 'routers', service);
  }

  private client(adminPort: number): RouterAdminClient {
    return new RouterAdminClient(adminPort, this.token);
  }

  /** The running router's pid, adopting one a previous server started. */
  private runningPid(service: string): number | null {
    const record = this.store.routers.get(service);
    if (record?.pid && hasMarks(record.pid, this.marks(service))) return record.pid;
    return findMarked(this.marks(service))[0]?.pid ?? null;
  }

  /** Starts the service's router unless it runs; returns its admin client. */
  private ensureRunning(service: string): Promise<RouterAdminClient> {
    return this.processLock.run(service, () => this.startUnlessRunning(service));
  }

  private async startUnlessRunning(service: string): Promise<RouterAdminClient> {
    let record = this.store.routers.get(service);
    const pid = this.runningPid(service);
    if (record && pid !== null) {
      if (record.pid !== pid) this.store.routers.save({ ...record, pid });
      return this.client(record.adminPort);
    }
    const adminPort = record?.adminPort ?? (await freePort());
    record = { service, pid: null, adminPort, generation: record?.generation ?? 0 };
    this.store.routers.save(record);
    const started = await this.spawnRouter(service, adminPort);
    this.store.routers.save({ ...record, pid: started });
    return this.client(adminPort);
  }

  private async spawnRouter(service: string, adminPort: number): Promise<number> {
    const dir = this.dirOf(service);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const log = openSync(join(dir, 'router.log'), 'a', 0o600);
    try {
      const args = [
        ...nodeArgsFor(Program.router),
        '--state-file', join(dir, 'state.json'),
        '--admin-port', String(adminPort),
        '--token-file', join(this.dataDir, 'router-token'),
        '--metrics-token-file', metricsTokenPath(this.dataDir),
      ];
      const child = spawn(process.execPath, args, {
        detached: true,
        stdio: ['ignore', log, log],
        // CUTOVER_ROUTER_WORKERS in the server's environment chooses the routers' worker count.
        env: { PATH: process.env.PATH ?? '', ...(process.env.CUTOVER_ROUTER_WORKERS ? { CUTOVER_ROUTER_WORKERS: process.env.CUTOVER_ROUTER_WORKERS } : {}), ...this.marks(service) },
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      child.unref();
      const client = this.client(adminPort);
      // A router with several workers answers once every worker serves its config: slower on a busy machine.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (await client.healthz()) {
          this.log.info({ service, pid, adminPort }, 'router started');
          return pid;
        }
        if (!isProcessAlive(pid)) break;
        await sleep(100);
      }
      signalGroup(pid, 'SIGKILL');
      const tail = readTail(join(dir, 'router.log'));
      throw new CutoverError(ErrorCode.RouterUnavailable, `the router of ${service} did not start; its log ends with: ${tail}`, {
        context: { service },
      });
    } finally {
      closeSync(log);
    }
  }

  async apply(config: TrafficConfig): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const client = await this.ensureRunning(config.service);
        const generation = this.store.routers.nextGeneration(config.service);
        try {
          await client.pushConfig({ ...config, generation });
        } catch (error) {
          // The router has a newer generation than the store (its state file outlived a reset store): catch up and push again.
          if (!(error instanceof CutoverError && error.code === ErrorCode.Conflict)) throw error;
          const current = await client.getConfig();
          const record = this.store.routers.get(config.service)!;
          this.store.routers.save({ ...record, generation: Math.max(record.generation, current?.generation ?? 0) });
          await client.pushConfig({ ...config, generation: this.store.routers.nextGeneration(config.service) });
        }
        return;
      } catch (error) {
        lastError = error;
        if (error instanceof CutoverError && !error.retryable) throw error;
        this.log.warn({ service: config.service, attempt, err: messageOf(error) }, 'router config push failed; retrying');
        await sleep(100 * 3 ** attempt);
      }
    }
    throw new CutoverError(ErrorCode.RouterUnavailable, `could not configure the router of ${config.service}: ${messageOf(lastError)}`, {
      context: { service: config.service },
      cause: lastError,
      retryable: true,
    });
  }

  async serving(service: string): Promise<string | null> {
    const record = this.store.routers.get(service);
    if (!record) return `service ${service} has no router`;
    if (this.runningPid(service) === null) return `the router process of ${service} is not running`;
    const health = await this.client(record.adminPort).health();
    if (!health) return `the router of ${service} does not answer on its admin port ${record.adminPort}`;
    if (health.generation !== record.generation) return `the router of ${service} serves config generation ${health.generation ?? 'none'}, not ${record.generation}`;
    return null;
  }

  async drain(service: string, instanceId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    const record = this.store.routers.get(service);
    if (!record || this.runningPid(service) === null) return { drained: true, inFlight: 0 };
    return this.client(record.adminPort).waitForDrain(instanceId, timeoutMs);
  }

  async stats(service: string): Promise<RouterStats> {
    const record = this.store.routers.get(service);
    if (!record) throw new CutoverError(ErrorCode.NotFound, `service ${service} has no router`, { context: { service } });
    return this.client(record.adminPort).getStats();
  }

  async samples(service: string, after: number): Promise<RequestSamples> {
    const record = this.store.routers.get(service);
    if (!record) throw new CutoverError(ErrorCode.NotFound, `service ${service} has no router`, { context: { service } });
    return this.client(record.adminPort).getSamples(after);
  }

  async supervise(services: string[]): Promise<string[]> {
    const restarted: string[] = [];
    for (const service of services) {
      await this.processLock.run(service, async () => {
        const record = this.store.routers.get(service);
        if (!record || this.runningPid(service) !== null) return;
        try {
          // The router reloads its last config from its state file on start.
          const pid = await this.spawnRouter(service, record.adminPort);
          this.store.routers.save({ ...record, pid });
          restarted.push(service);
        } catch (error) {
          this.log.error({ service, err: messageOf(error) }, 'router restart failed');
        }
      });
    }
    return restarted;
  }

  remove(service: string): Promise<void> {
    return this.processLock.run(service, () => this.stopRouter(service));
  }

  private async stopRouter(service: string): Promise<void> {
    const pid = this.runningPid(service);
    if (pid !== null) {
      signalGroup(pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (isProcessAlive(pid) && Date.now() < deadline) await sleep(50);
      if (isProcessAlive(pid)) signalGroup(pid, 'SIGKILL');
    }
    this.store.routers.remove(service);
  }
}

/** `<data-dir>/metrics-token`: reads routers' and the control plane's metrics and the scrape targets, nothing else. */
export function metricsTokenPath(dataDir: string): string {
  return join(dataDir, 'metrics-token');
}

function loadOrCreateToken(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ') || '(empty)';
  } catch {
    return '(no log)';
  }
}
