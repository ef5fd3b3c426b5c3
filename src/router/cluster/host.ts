/**
 * One router for every service of a host (of a data dir): a supervisor and
 * its workers, each worker serving every service's listeners. A router
 * per service costs a supervisor and 2–4 workers, about 50 MB each; here a
 * service costs its data plane in each worker and its admin server in the
 * supervisor (bench/router-memory.ts measures both layouts).
 *
 * What stays per service: its ports (traffic, preview), its config and
 * state file, its counters and samples, its health checks, its admin API
 * on its own port with its own token (a service's token reconfigures that
 * service only). What is shared: the processes. How a fault stays
 * contained is argued in the README ("One router for every service").
 *
 * The host's own admin API (its own port and token, which only the control
 * plane holds) adds and removes services: `PUT /services/<environment>/<service>`
 * with `{ "adminPort": N }`, `DELETE` of the same path, `GET /services`.
 * The list is kept in `<dir>/host.json`, so a restarted host opens every
 * service again and serves its last config.
 */
import cluster from 'node:cluster';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join, resolve as resolvePath } from 'node:path';
import { CutoverError, ErrorCode, isCutoverError, messageOf } from '../../core/errors.ts';
import { answer, authorized, digest, readBody, startAdmin } from '../admin.ts';
import type { AdminTarget } from '../admin.ts';
import type { PushResult } from '../data-plane.ts';
import { closeGracefully, listen, portOf } from '../listen.ts';
import type { RouterLogger } from '../log.ts';
import { exitOnSignal, loadStored, readToken } from '../run-router.ts';
import { saveRouterConfig } from '../state-file.ts';
import { SAMPLE_CAPACITY, SampleRing } from '../stats.ts';
import type { RequestSamples, RevisionStats, RouterConfig, RouterStats } from '../wire.ts';
import { addRevisionStats, combineStats } from './aggregate.ts';
import { COLLECT_INTERVAL_MS, type SupervisedRouter } from './supervisor.ts';
import { WorkerPool } from './workers.ts';

/** The list of services a host serves, in its folder. */
export const HOST_FILE = 'host.json';
/** Each service's folder under the host's: `<environment>/<service>`, the control plane's router mark. */
const SERVICE_KEY = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\/[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A host serves at most this many services: each costs ports and memory, and a runaway caller must hit a wall. */
export const MAX_SERVICES = 1_000;
const MAX_BODY_BYTES = 4096;

interface HostEntry {
  key: string;
  adminPort: number;
}

/** One service of the host, as its admin API sees it: the same rules as a router of its own (supervisor.ts). */
class ServiceSlot implements AdminTarget {
  current: RouterConfig | undefined;
  /** Counters of workers that died, so totals never go down. */
  readonly departed: Record<string, RevisionStats> = {};
  readonly ring = new SampleRing(SAMPLE_CAPACITY);
  pushes: Promise<unknown> = Promise.resolve();
  sampling: Promise<unknown> = Promise.resolve();
  removed = false;
  admin: Server | undefined;

  constructor(
    readonly key: string,
    readonly stateFile: string,
    readonly adminPort: number,
    private readonly host: RouterHost,
  ) {}

  get config(): RouterConfig | undefined {
    return this.current;
  }

  isStarting(): boolean {
    return this.host.isStarting();
  }

  workerPids(): number[] {
    return this.host.workerPids();
  }

  push(config: RouterConfig): Promise<PushResult> {
    return this.host.push(this, config);
  }

  stats(): Promise<RouterStats> {
    return this.host.stats(this);
  }

  samples(after: number): Promise<RequestSamples> {
    return this.host.samples(this, after);
  }
}

export interface HostOptions {
  /** The host's folder: host.json, and each service's folder (`<environment>/<service>/state.json`, `admin-token`). */
  dir: string;
  adminPort: number;
  tokenFile: string;
  metricsTokenFile?: string;
  workers: number;
  log: RouterLogger;
  stopTimeoutMs?: number;
  exitOnSignal?: boolean;
}

export class RouterHost {
  private readonly slots = new Map<string, ServiceSlot>();
  private readonly workers: WorkerPool;
  private stopping = false;
  private collector: NodeJS.Timeout | undefined;
  /** Adding and removing services (and writing host.json) one at a time. */
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly log: RouterLogger,
    private readonly metricsToken: string | undefined,
  ) {
    this.workers = new WorkerPool(resolvePath(this.hostFile), log, {
      // Every service's config; one that fails (its port taken by something else) is logged and does not keep the worker from serving the others.
      onBooted: async (state, waitForPortMs) => {
        await Promise.all(
          [...this.slots.values()].map((slot) =>
            slot.current
              ? this.workers.apply(state, slot.key, slot.current, waitForPortMs).catch((error: unknown) =>
                  this.log.error({ event: 'worker-config-failed', service: slot.key, workerPid: state.worker.process.pid, error: messageOf(error) }, 'a router worker could not serve this service\'s config'),
                )
              : undefined,
          ),
        );
      },
      onDeparted: (state) => {
        for (const [key, stats] of state.lastStats) {
          const slot = this.slots.get(key);
          if (slot) addRevisionStats(slot.departed, stats.revisions);
        }
      },
    });
  }

  private get hostFile(): string {
    return join(this.dir, HOST_FILE);
  }

  isStarting(): boolean {
    return this.workers.isStarting;
  }

  workerPids(): number[] {
    return this.workers.pids();
  }

  services(): HostEntry[] {
    return [...this.slots.values()].map(({ key, adminPort }) => ({ key, adminPort }));
  }

  /** Opens every listed service's admin API, starts `count` workers on their stored configs; resolves when all serve. */
  async start(count: number): Promise<void> {
    for (const entry of readHostFile(this.hostFile, this.log)) {
      // One service whose admin port is taken (or whose token file is gone) must not keep the others down.
      await this.open(entry).catch((error: unknown) => this.log.error({ event: 'service-unavailable', service: entry.key, error: messageOf(error) }, 'a service of this host could not be opened; the others are served'));
    }
    this.collector = setInterval(() => {
      for (const slot of this.slots.values()) {
        void this.stats(slot).catch(() => undefined);
        void this.collectSamples(slot).catch(() => undefined);
      }
    }, COLLECT_INTERVAL_MS);
    this.collector.unref();
    await this.workers.start(count);
  }

  /** Adds a service (or answers the one already there when nothing changed); its admin API listens once this resolves. */
  add(key: string, adminPort: number): Promise<HostEntry> {
    const run = this.changes.then(async () => {
      if (this.stopping) throw new CutoverError(ErrorCode.RouterUnavailable, 'The router is stopping; add the service again once it has restarted.', { retryable: true });
      const existing = this.slots.get(key);
      if (existing && existing.adminPort === adminPort) return { key, adminPort };
      if (existing) await this.close(existing);
      else if (this.slots.size >= MAX_SERVICES) throw new CutoverError(ErrorCode.InvalidRequest, `This router already serves ${MAX_SERVICES} services, its limit; remove one first.`);
      const slot = await this.open({ key, adminPort });
      await this.saveHostFile();
      if (slot.current) await Promise.all([...this.workers.states.values()].map((state) => this.workers.apply(state, slot.key, slot.current!)));
      return { key, adminPort };
    });
    this.changes = run.catch(() => undefined);
    return run;
  }

  /** Removes a service: its admin API and listeners close (requests in flight finish), the others are untouched. */
  remove(key: string): Promise<boolean> {
    const run = this.changes.then(async () => {
      const slot = this.slots.get(key);
      if (!slot) return false;
      await this.close(slot);
      await this.saveHostFile();
      return true;
    });
    this.changes = run.catch(() => undefined);
    return run;
  }

  private async open(entry: HostEntry): Promise<ServiceSlot> {
    const folder = join(this.dir, entry.key);
    const token = await readToken(join(folder, 'admin-token'));
    const slot = new ServiceSlot(entry.key, join(folder, 'state.json'), entry.adminPort, this);
    slot.current = await loadStored(slot.stateFile, this.log);
    slot.admin = await startAdmin(entry.adminPort, token, slot, this.log, this.metricsToken);
    this.slots.set(entry.key, slot);
    return slot;
  }

  private async close(slot: ServiceSlot): Promise<void> {
    slot.removed = true;
    this.slots.delete(slot.key);
    await slot.pushes;
    await Promise.all([slot.admin ? closeGracefully(slot.admin, 1_000) : undefined, this.workers.remove(slot.key)]);
  }

  /** Same rules as a router of one service (DataPlane.push): older generations ignored, persisted before applied. */
  push(slot: ServiceSlot, config: RouterConfig): Promise<PushResult> {
    const run = slot.pushes.then(async (): Promise<PushResult> => {
      if (this.stopping || slot.removed) throw new CutoverError(ErrorCode.RouterUnavailable, 'This service is leaving the router (or the router is stopping); push the config again once it has been added back.', { retryable: true });
      if (slot.current && slot.current.service !== config.service) return { kind: 'other-service', service: slot.current.service };
      const generation = slot.current?.generation;
      if (generation !== undefined && config.generation < generation) return { kind: 'stale', current: generation, received: config.generation };
      await saveRouterConfig(slot.stateFile, config);
      slot.current = config;
      await Promise.all([...this.workers.states.values()].map((state) => this.workers.apply(state, slot.key, config)));
      this.log.info({ event: 'config-applied', service: config.service, environment: config.environment, generation: config.generation, workers: this.workers.states.size }, 'config applied by every worker');
      return { kind: 'applied', generation: config.generation };
    });
    slot.pushes = run.catch(() => undefined);
    return run;
  }

  async stats(slot: ServiceSlot): Promise<RouterStats> {
    const { stats, unanswered } = await this.workers.stats(slot.key, () => !slot.removed);
    const environment = slot.current?.environment ? { environment: slot.current.environment } : {};
    const combined = { ...combineStats(slot.current?.service ?? '', slot.current?.generation ?? 0, stats, slot.departed), ...environment };
    return unanswered > 0 ? { ...combined, unanswered } : combined;
  }

  async samples(slot: ServiceSlot, after: number): Promise<RequestSamples> {
    await this.collectSamples(slot);
    return slot.ring.after(after);
  }

  private collectSamples(slot: ServiceSlot): Promise<void> {
    const run = slot.sampling.then(() => this.workers.pullSamples(slot.key, slot.ring));
    slot.sampling = run.catch(() => undefined);
    return run;
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.collector);
    await this.changes;
    await Promise.all([...this.slots.values()].map((slot) => slot.pushes));
    await this.workers.stop(timeoutMs);
    await Promise.all([...this.slots.values()].map((slot) => (slot.admin ? closeGracefully(slot.admin, 1_000) : undefined)));
  }

  /** host.json, written so a crash leaves the old list or the new one. */
  private async saveHostFile(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.hostFile}.${process.pid}.tmp`;
    try {
      const file = await open(temporary, 'w', 0o600);
      try {
        await file.writeFile(`${JSON.stringify({ services: this.services() }, null, 2)}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.hostFile);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}

/** The services host.json lists; an unreadable file is logged, and the control plane adds its services again. */
function readHostFile(file: string, log: RouterLogger): HostEntry[] {
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { services?: unknown };
    if (!Array.isArray(parsed.services)) throw new Error('no "services" list');
    return parsed.services.filter((entry: unknown): entry is HostEntry => {
      const { key, adminPort } = (entry ?? {}) as Partial<HostEntry>;
      return typeof key === 'string' && SERVICE_KEY.test(key) && isPort(adminPort);
    });
  } catch (error) {
    log.error({ event: 'host-file-unreadable', file, error: messageOf(error) }, 'the list of services is unreadable; waiting for the control plane to add them');
    return [];
  }
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 65535;
}

/** The host's admin API: `GET /healthz` (open), `GET /services`, `PUT|DELETE /services/<environment>/<service>`. */
async function handleHost(req: IncomingMessage, res: ServerResponse, token: Buffer, host: RouterHost): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://router').pathname;
  if (req.method === 'GET' && path === '/healthz') {
    if (host.isStarting()) return answer(res, 503, { error: { code: ErrorCode.RouterUnavailable, message: 'The router is starting: its workers do not serve yet.' } });
    return answer(res, 200, { ok: true, pid: process.pid, services: host.services().length, workers: host.workerPids() });
  }
  if (!authorized(req.headers.authorization, token)) {
    return answer(res, 401, { error: { code: ErrorCode.Unauthorized, message: 'Missing or wrong bearer token: send "Authorization: Bearer <token>" with the token from the router host\'s token file.' } });
  }
  if (req.method === 'GET' && path === '/services') return answer(res, 200, { services: host.services() });
  const key = path.startsWith('/services/') ? path.slice('/services/'.length) : undefined;
  if (key === undefined || (req.method !== 'PUT' && req.method !== 'DELETE')) {
    return answer(res, 404, { error: { code: ErrorCode.NotFound, message: `No route ${req.method ?? ''} ${path}; the host's admin API has GET /healthz, GET /services, PUT /services/<environment>/<service> and DELETE /services/<environment>/<service>.` } });
  }
  if (!SERVICE_KEY.test(key)) {
    return answer(res, 400, { error: { code: ErrorCode.InvalidRequest, message: `"${key.slice(0, 200)}" is not <environment>/<service> (lowercase letters, digits and dashes).` } });
  }
  if (req.method === 'DELETE') return answer(res, 200, { removed: await host.remove(key) });
  const body = await readBody(req, MAX_BODY_BYTES);
  let adminPort: unknown;
  try {
    adminPort = (JSON.parse(body ?? '') as { adminPort?: unknown }).adminPort;
  } catch {
    adminPort = undefined;
  }
  if (!isPort(adminPort)) return answer(res, 400, { error: { code: ErrorCode.InvalidRequest, message: 'Send {"adminPort": N} with the port (1-65535) this service\'s admin API listens on.' } });
  return answer(res, 200, await host.add(key, adminPort));
}

/** Runs the shared router (this process must be the cluster primary; main.ts runs workers in the others). */
export async function runHost(options: HostOptions): Promise<SupervisedRouter> {
  const { log } = options;
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const token = digest(await readToken(options.tokenFile));
  const metricsToken = options.metricsTokenFile ? await readToken(options.metricsTokenFile) : undefined;
  const host = new RouterHost(options.dir, log, metricsToken);
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  // The host's admin port first: a second host started for the same folder fails here, before it forks workers.
  const admin = await listen(
    options.adminPort,
    (req, res) => {
      handleHost(req, res, token, host).catch((error: unknown) => {
        const failure = isCutoverError(error) ? error : new CutoverError(ErrorCode.Internal, messageOf(error));
        log.error({ event: 'admin-failure', code: failure.code, error: failure.message }, 'host admin request failed');
        if (res.headersSent) res.destroy();
        else answer(res, failure.code === ErrorCode.InvalidRequest ? 400 : failure.code === ErrorCode.PortInUse ? 409 : 503, { error: failure.toJSON() });
      });
    },
    'router host admin',
  );
  try {
    await host.start(options.workers);
  } catch (error) {
    await host.stop(stopTimeoutMs);
    await closeGracefully(admin, 1_000);
    throw error;
  }
  log.info({ event: 'start', adminPort: portOf(admin), services: host.services().length, workers: host.workerPids(), dir: options.dir }, 'router host started');
  let stopping: Promise<void> | undefined;
  let markStopped = (): void => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const router: SupervisedRouter = {
    adminPort: portOf(admin),
    stopped,
    stop: () => {
      stopping ??= (async () => {
        await host.stop(stopTimeoutMs);
        await closeGracefully(admin, 1_000);
        log.info({ event: 'stopped' }, 'router host stopped');
      })().finally(markStopped);
      return stopping;
    },
  };
  if (options.exitOnSignal) exitOnSignal(router, log);
  return router;
}
