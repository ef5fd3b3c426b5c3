import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeArgsFor, Program } from '../../core/entry.ts';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { freePort } from '../../core/net.ts';
import { KeyedLock } from '../../core/keyed-lock.ts';
import type { Logger } from '../../monitoring/logger.ts';
import { findMarked, hasMarks, outermost, signalGroup, isProcessAlive } from '../../platforms/index.ts';
import { describeRef, pickRef, serviceKey, type ServiceRef } from '../../core/types.ts';
import type { RouterRecord, Store } from '../../store/index.ts';
import type { RequestSamples, RouterStats } from '../../router/wire.ts';
import type { TrafficConfig, TrafficRouter } from '../traffic-router.ts';
import { RouterAdminClient } from './client.ts';
import { loadOrCreateToken, moveOffSharedToken, TOKEN_FILE } from './router-tokens.ts';

/** The mark of the one router that serves every service (CUTOVER_ROUTER_LAYOUT=shared, shared-router.ts); a service's mark always has a "/". */
export const ROUTER_HOST_MARK = 'host';

/**
 * The built-in router as the control plane sees it: one OS process per
 * service, started detached so it outlives the server, configured through
 * its authenticated admin endpoint. The router persists each config before
 * applying it, so a restarted router serves its last config even while the
 * control plane is down. Each router has its own admin token, in its folder
 * (see router-tokens.ts).
 */
export class BuiltinTrafficRouter implements TrafficRouter {
  readonly type = 'builtin';
  /** Each router's admin token, by mark, read once from its folder. */
  protected readonly tokens = new Map<string, string>();
  private ready: Promise<void> | undefined;
  /** Starting, adopting and restarting a service's router happen one at a time, so two are never started. */
  protected readonly processLock = new KeyedLock();

  constructor(
    protected readonly dataDir: string,
    protected readonly store: Store,
    protected readonly log: Logger,
  ) {
    // Read-only: what Prometheus scrapes routers (and the control plane) with.
    loadOrCreateToken(metricsTokenPath(dataDir));
  }

  /** A router is found by the mark it was started with: `environment/service` (a router started before environments were identity has just its service name). */
  protected marks(mark: string): Record<string, string> {
    return { CUTOVER_DATA_DIR: this.dataDir, CUTOVER_ROUTER: mark };
  }

  /** Its state file and log: under routers/ at the path of its mark. */
  protected dirOf(mark: string): string {
    return join(this.dataDir, 'routers', mark);
  }

  /** The admin token of the router with this mark, created with its folder. */
  protected tokenOf(mark: string): string {
    let token = this.tokens.get(mark);
    if (token === undefined) {
      const dir = this.dirOf(mark);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      token = loadOrCreateToken(join(dir, TOKEN_FILE));
      this.tokens.set(mark, token);
    }
    return token;
  }

  /** Once per server, before any router is called: routers adopted from an older release get their own token. */
  private prepare(): Promise<void> {
    this.ready ??= moveOffSharedToken(
      this.dataDir,
      this.store.routers
        .list()
        .filter((record) => this.runningPid(record) !== null)
        .map((record) => ({ record, dir: this.dirOf(record.mark) })),
      this.log,
    );
    return this.ready;
  }

  protected async client(record: RouterRecord): Promise<RouterAdminClient> {
    await this.prepare();
    return new RouterAdminClient(record.adminPort, this.tokenOf(record.mark));
  }

  /** The running router's pid, adopting one a previous server started. */
  protected runningPid(ref: ServiceRef): number | null {
    const record = this.store.routers.get(ref);
    const mark = record?.mark ?? serviceKey(ref);
    if (record?.pid && hasMarks(record.pid, this.marks(mark))) return record.pid;
    return findMarked(this.marks(mark))[0]?.pid ?? null;
  }

  /** Starts the service's router unless it runs; returns its admin client. */
  private ensureRunning(ref: ServiceRef): Promise<RouterAdminClient> {
    return this.processLock.run(serviceKey(ref), () => this.startUnlessRunning(ref));
  }

  protected async startUnlessRunning(ref: ServiceRef): Promise<RouterAdminClient> {
    let record = this.store.routers.get(ref);
    const pid = this.runningPid(ref);
    if (record && pid !== null) {
      if (record.pid !== pid) this.store.routers.save({ ...record, pid });
      return this.client(record);
    }
    const adminPort = record?.adminPort ?? (await freePort());
    record = { ...pickRef(ref), mark: record?.mark ?? serviceKey(ref), pid: null, adminPort, generation: record?.generation ?? 0 };
    this.store.routers.save(record);
    const started = await this.spawnRouter(record);
    this.store.routers.save({ ...record, pid: started });
    return this.client(record);
  }

  protected async spawnRouter(record: RouterRecord): Promise<number> {
    const { mark } = record;
    const service = describeRef(record);
    const dir = this.dirOf(mark);
    const client = await this.client(record);
    const log = openSync(join(dir, 'router.log'), 'a', 0o600);
    try {
      const args = [
        ...nodeArgsFor(Program.router),
        '--state-file', join(dir, 'state.json'),
        '--admin-port', String(record.adminPort),
        '--token-file', join(dir, TOKEN_FILE),
        '--metrics-token-file', metricsTokenPath(this.dataDir),
      ];
      const child = spawn(process.execPath, args, {
        detached: true,
        stdio: ['ignore', log, log],
        // CUTOVER_ROUTER_WORKERS in the server's environment chooses the routers' worker count.
        env: { PATH: process.env.PATH ?? '', ...(process.env.CUTOVER_ROUTER_WORKERS ? { CUTOVER_ROUTER_WORKERS: process.env.CUTOVER_ROUTER_WORKERS } : {}), ...this.marks(mark) },
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      child.unref();
      // A router with several workers answers once every worker serves its config: slower on a busy machine.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (await client.healthz()) {
          this.log.info({ ...pickRef(record), pid, adminPort: record.adminPort }, 'router started');
          return pid;
        }
        if (!isProcessAlive(pid)) break;
        await sleep(100);
      }
      signalGroup(pid, 'SIGKILL');
      const tail = readTail(join(dir, 'router.log'));
      throw new CutoverError(ErrorCode.RouterUnavailable, `the router of ${service} did not start; its log ends with: ${tail}`, {
        context: { ...pickRef(record) },
      });
    } finally {
      closeSync(log);
    }
  }

  async apply(config: TrafficConfig): Promise<void> {
    const ref = pickRef(config);
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const client = await this.ensureRunning(ref);
        const generation = this.store.routers.nextGeneration(ref);
        try {
          await client.pushConfig({ ...config, generation });
        } catch (error) {
          // The router has a newer generation than the store (its state file outlived a reset store): catch up and push again.
          if (!(error instanceof CutoverError && error.code === ErrorCode.Conflict)) throw error;
          const current = await client.getConfig();
          const record = this.store.routers.get(ref)!;
          this.store.routers.save({ ...record, generation: Math.max(record.generation, current?.generation ?? 0) });
          await client.pushConfig({ ...config, generation: this.store.routers.nextGeneration(ref) });
        }
        return;
      } catch (error) {
        lastError = error;
        if (error instanceof CutoverError && !error.retryable) throw error;
        this.log.warn({ ...ref, attempt, err: messageOf(error) }, 'router config push failed; retrying');
        await sleep(100 * 3 ** attempt);
      }
    }
    throw new CutoverError(ErrorCode.RouterUnavailable, `could not configure the router of ${describeRef(ref)}: ${messageOf(lastError)}`, {
      context: { ...ref },
      cause: lastError,
      retryable: true,
    });
  }

  async serving(ref: ServiceRef): Promise<string | null> {
    const record = this.store.routers.get(ref);
    const service = describeRef(ref);
    if (!record) return `service ${service} has no router`;
    if (this.runningPid(ref) === null) return `the router process of ${service} is not running`;
    const health = await (await this.client(record)).health();
    if (!health) return `the router of ${service} does not answer on its admin port ${record.adminPort}`;
    if (health.generation !== record.generation) return `the router of ${service} serves config generation ${health.generation ?? 'none'}, not ${record.generation}`;
    return null;
  }

  async drain(ref: ServiceRef, instanceId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    const record = this.store.routers.get(ref);
    if (!record || this.runningPid(ref) === null) return { drained: true, inFlight: 0 };
    return (await this.client(record)).waitForDrain(instanceId, timeoutMs);
  }

  async stats(ref: ServiceRef): Promise<RouterStats> {
    return (await this.client(this.requireRouter(ref))).getStats();
  }

  async samples(ref: ServiceRef, after: number): Promise<RequestSamples> {
    return (await this.client(this.requireRouter(ref))).getSamples(after);
  }

  private requireRouter(ref: ServiceRef): RouterRecord {
    const record = this.store.routers.get(ref);
    if (!record) throw new CutoverError(ErrorCode.NotFound, `service ${describeRef(ref)} has no router`, { context: { ...pickRef(ref) } });
    return record;
  }

  async supervise(refs: ServiceRef[]): Promise<ServiceRef[]> {
    const restarted: ServiceRef[] = [];
    for (const ref of refs) {
      await this.processLock.run(serviceKey(ref), async () => {
        const record = this.store.routers.get(ref);
        if (!record) return;
        const running = this.runningPid(ref);
        if (running !== null) {
          // Another router than the one recorded (runningPid prefers the recorded pid while it still
          // carries the marks): its workers outlived a dead supervisor and started a new one on the
          // same config (src/router/cluster/). Record it, and report the restart.
          if (record.pid !== null && running !== record.pid) {
            this.store.routers.save({ ...record, pid: running });
            restarted.push(pickRef(ref));
          }
          return;
        }
        try {
          // The router reloads its last config from its state file on start.
          const pid = await this.spawnRouter(record);
          this.store.routers.save({ ...record, pid });
          restarted.push(pickRef(ref));
        } catch (error) {
          this.log.error({ ...pickRef(ref), err: messageOf(error) }, 'router restart failed');
        }
      });
    }
    return restarted;
  }

  remove(ref: ServiceRef): Promise<void> {
    return this.processLock.run(serviceKey(ref), () => this.stopRouter(ref));
  }

  protected async stopRouter(ref: ServiceRef): Promise<void> {
    const pid = this.runningPid(ref);
    if (pid !== null) await stopGroup(pid);
    this.store.routers.remove(ref);
  }

  async sweep(owned: () => ServiceRef[]): Promise<number> {
    const keep = (): Set<string> => new Set(owned().flatMap((ref) => [serviceKey(ref), this.store.routers.get(ref)?.mark ?? serviceKey(ref)]));
    let stopped = 0;
    // The supervisor only: its workers carry the same marks and stop with its process group.
    for (const { pid, env } of outermost(findMarked({ CUTOVER_DATA_DIR: this.dataDir }))) {
      const mark = env.get('CUTOVER_ROUTER');
      // The shared router is not one service's: SharedBuiltinTrafficRouter sweeps the services it serves.
      if (mark === undefined || mark === ROUTER_HOST_MARK || keep().has(mark)) continue;
      await this.processLock.run(mark, async () => {
        // Asked again under the lock a start takes: a service applied meanwhile keeps its new router.
        if (keep().has(mark) || !hasMarks(pid, this.marks(mark))) return;
        this.log.warn({ router: mark, pid }, 'stopping a router no service owns (left by a crash or a delete)');
        await stopGroup(pid);
        stopped++;
      });
    }
    return stopped;
  }
}

/** SIGTERM to a router's process group (it finishes what is in flight), SIGKILL after 10 s. */
export async function stopGroup(pid: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isProcessAlive(pid)) signalGroup(pid, 'SIGKILL');
}

/** `<data-dir>/metrics-token`: reads routers' and the control plane's metrics and the scrape targets, nothing else. */
export function metricsTokenPath(dataDir: string): string {
  return join(dataDir, 'metrics-token');
}

export function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ') || '(empty)';
  } catch {
    return '(no log)';
  }
}
