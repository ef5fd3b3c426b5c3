import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { resolve as resolvePath } from 'node:path';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { startAdmin } from '../admin.ts';
import type { AdminTarget } from '../admin.ts';
import type { PushResult } from '../data-plane.ts';
import { closeGracefully, portOf } from '../listen.ts';
import type { RouterLogger } from '../log.ts';
import { exitOnSignal, loadStored, readToken } from '../run-router.ts';
import type { RouterOptions } from '../run-router.ts';
import { saveRouterConfig } from '../state-file.ts';
import { SAMPLE_CAPACITY, SampleRing } from '../stats.ts';
import type { RequestSamples, RevisionStats, RouterConfig, RouterStats } from '../wire.ts';
import { addRevisionStats, combineStats } from './aggregate.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import { clearRespawnLock, orphanWorkers, stopOrphans, workerEnv } from './takeover.ts';

/** How long a worker may take to answer the supervisor. */
const WORKER_ANSWER_MS = 5_000;
/** More restarts than this within RESTART_WINDOW_MS and the next one waits a second: a worker that dies at start must not spin. */
const RESTART_BURST = 10;
const RESTART_WINDOW_MS = 10_000;
/** How long a worker retries the traffic port while the previous router's orphaned workers let go of it. */
const TAKEOVER_PORT_WAIT_MS = 15_000;
/**
 * How often the supervisor reads every worker's counters and samples even
 * when nobody asks: a worker that dies takes with it only what it counted
 * since the last read.
 */
export const COLLECT_INTERVAL_MS = 500;

interface WorkerState {
  readonly worker: Worker;
  /** It has applied the current config (or there is none): it serves. */
  ready: boolean;
  /** Its counters as last read: what it had counted, should it die. */
  lastStats: RouterStats | undefined;
  /** Its own sample sequence number the supervisor has read up to. */
  samplesRead: number;
  readonly waiting: Map<number, { resolve(message: FromWorker): void; reject(error: Error): void }>;
}

/**
 * The router as a small supervisor and several workers (node:cluster) that
 * share the traffic ports, so every core proxies and the death of a worker
 * loses only the requests it had in flight: the listening socket stays open
 * (the others, and a replacement, keep accepting), and the replacement
 * serves the current config at once, with or without the control plane.
 * The supervisor proxies nothing: it owns the admin API and the config
 * (persisted before it is applied), hands every config to every worker, and
 * adds up their counters and per-request samples, so the control plane sees
 * one router, every request counted once.
 */
class Supervisor implements AdminTarget {
  private current: RouterConfig | undefined;
  private readonly states = new Map<number, WorkerState>();
  /** Counters of workers that died, so totals never go down. */
  private readonly departed: Record<string, RevisionStats> = {};
  private readonly ring = new SampleRing(SAMPLE_CAPACITY);
  private nextId = 1;
  private pushes: Promise<unknown> = Promise.resolve();
  private sampling: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private lastPorts: { traffic?: number; preview?: number } = {};
  private readonly restarts: number[] = [];
  private readonly readyWaiters = new Set<() => void>();
  private collector: NodeJS.Timeout | undefined;
  /** Workers of a previous router of this state file whose supervisor died; stopped once a worker of ours has booted. */
  private orphans: number[] = [];
  private starting = true;

  constructor(
    private readonly stateFile: string,
    private readonly log: RouterLogger,
  ) {}

  get config(): RouterConfig | undefined {
    return this.current;
  }

  /** While it starts, the admin API answers /healthz with 503: the control plane waits for the workers. */
  isStarting(): boolean {
    return this.starting;
  }

  /** Starts `count` workers with the stored config, taking the port over from a dead router's workers; resolves when all serve it. */
  async start(count: number, stored: RouterConfig | undefined): Promise<void> {
    this.current = stored;
    this.orphans = orphanWorkers(resolvePath(this.stateFile));
    if (this.orphans.length > 0) this.log.warn({ event: 'takeover', orphans: this.orphans }, 'workers of a previous router still serve; taking their port over');
    for (let i = 0; i < count; i++) this.fork();
    this.collector = setInterval(() => {
      void this.stats().catch(() => undefined);
      void this.collectSamples().catch(() => undefined);
    }, COLLECT_INTERVAL_MS);
    this.collector.unref();
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if ([...this.states.values()].every((state) => state.ready)) {
          this.readyWaiters.delete(check);
          resolve();
        }
      };
      this.readyWaiters.add(check);
      check();
    });
    this.starting = false;
    clearRespawnLock(resolvePath(this.stateFile));
  }

  /** The workers that serve the current config (a replacement appears once it does). */
  workerPids(): number[] {
    return [...this.states.values()].flatMap((state) => (state.ready && state.worker.process.pid !== undefined ? [state.worker.process.pid] : []));
  }

  ports(): { traffic?: number; preview?: number } {
    return this.lastPorts;
  }

  /** Same rules as a single router's push (DataPlane.push): older generations ignored, persisted before applied. */
  push(config: RouterConfig): Promise<PushResult> {
    const run = this.pushes.then(async (): Promise<PushResult> => {
      if (this.stopping) throw new CutoverError(ErrorCode.RouterUnavailable, 'The router is stopping; push the config again once it has restarted.', { retryable: true });
      if (this.current && this.current.service !== config.service) return { kind: 'other-service', service: this.current.service };
      const generation = this.current?.generation;
      if (generation !== undefined && config.generation < generation) return { kind: 'stale', current: generation, received: config.generation };
      await saveRouterConfig(this.stateFile, config);
      // Set first: a worker that starts from now on gets this config.
      this.current = config;
      await Promise.all([...this.states.values()].map((state) => this.applyTo(state, config)));
      this.log.info({ event: 'config-applied', service: config.service, generation: config.generation, workers: this.states.size }, 'config applied by every worker');
      return { kind: 'applied', generation: config.generation };
    });
    this.pushes = run.catch(() => undefined);
    return run;
  }

  async stats(): Promise<RouterStats> {
    let unanswered = 0;
    const answers = await Promise.all(
      [...this.states.values()].map(async (state) => {
        try {
          const answer = await this.ask(state, { type: 'stats', id: this.nextId++ });
          if (answer.type === 'stats') state.lastStats = answer.stats;
        } catch {
          // A worker dying or busy: its last counters stand in, and the read says so (a drain waits for a full one).
          if (state.ready) unanswered++;
        }
        return state.lastStats;
      }),
    );
    const stats = answers.filter((answer): answer is RouterStats => answer !== undefined);
    // The environment labels the router's metrics (service, environment is a service's identity), as one process's stats carry it.
    const environment = this.current?.environment ? { environment: this.current.environment } : {};
    const combined = { ...combineStats(this.current?.service ?? '', this.current?.generation ?? 0, stats, this.departed), ...environment };
    return unanswered > 0 ? { ...combined, unanswered } : combined;
  }

  /** Every worker's new samples go into one ring first, so the judge reads one sequence, each request once. */
  async samples(after: number): Promise<RequestSamples> {
    await this.collectSamples();
    return this.ring.after(after);
  }

  /** Moves every worker's new samples into the supervisor's ring, one worker at a time, one pull at a time. */
  private collectSamples(): Promise<void> {
    const run = this.sampling.then(async () => {
      for (const state of [...this.states.values()]) {
        let answer: FromWorker;
        try {
          answer = await this.ask(state, { type: 'samples', id: this.nextId++, after: state.samplesRead });
        } catch {
          continue;
        }
        if (answer.type !== 'samples') continue;
        const { samples } = answer;
        state.samplesRead = samples.seq;
        for (let i = 0; i < samples.revision.length; i++) {
          const route = samples.routes?.[samples.route?.[i] ?? -1] ?? 'other';
          this.ring.push(samples.revision[i]!, samples.status[i]!, samples.latencyMs[i]!, {
            route,
            pinned: samples.pinned?.[i] === 1,
            instanceAgeMs: samples.instanceAgeMs?.[i] ?? 0,
          });
        }
      }
    });
    this.sampling = run.catch(() => undefined);
    return run;
  }

  /** Stops every worker gracefully (each finishes its requests in flight), then returns. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.collector);
    await this.pushes;
    const exits = [...this.states.values()].map((state) => new Promise<void>((resolve) => {
      if (state.worker.isDead()) resolve();
      else state.worker.once('exit', () => resolve());
    }));
    for (const state of this.states.values()) signal(state.worker, 'SIGTERM');
    const late = setTimeout(() => {
      for (const state of this.states.values()) signal(state.worker, 'SIGKILL');
    }, timeoutMs + 2_000);
    await Promise.all(exits);
    clearTimeout(late);
  }

  private fork(): void {
    const worker = cluster.fork(workerEnv(resolvePath(this.stateFile)));
    const state: WorkerState = { worker, ready: false, lastStats: undefined, samplesRead: 0, waiting: new Map() };
    this.states.set(worker.id, state);
    worker.on('message', (message: FromWorker) => this.onMessage(state, message));
    worker.on('exit', (code, signalName) => this.onExit(state, code, signalName));
    worker.on('error', (error) => this.log.warn({ event: 'worker-error', workerPid: worker.process.pid, error: messageOf(error) }, 'router worker channel error'));
  }

  private onMessage(state: WorkerState, message: FromWorker): void {
    if (message.type === 'ready') {
      const config = this.current;
      // One of ours has booted: the orphans may let go of the port now, and ours retry it until they have.
      stopOrphans(this.orphans.splice(0), this.log);
      const started = config ? this.applyTo(state, config, this.starting ? TAKEOVER_PORT_WAIT_MS : 0) : Promise.resolve();
      started.then(
        () => {
          state.ready = true;
          for (const waiter of [...this.readyWaiters]) waiter();
        },
        (error: unknown) => this.log.error({ event: 'worker-config-failed', workerPid: state.worker.process.pid, error: messageOf(error) }, 'a router worker could not serve the config'),
      );
      return;
    }
    const waiter = state.waiting.get(message.id);
    if (!waiter) return;
    state.waiting.delete(message.id);
    waiter.resolve(message);
  }

  private onExit(state: WorkerState, code: number | null, signalName: string | null): void {
    this.states.delete(state.worker.id);
    for (const waiter of state.waiting.values()) waiter.reject(new Error('the worker exited'));
    state.waiting.clear();
    if (state.lastStats) addRevisionStats(this.departed, state.lastStats.revisions);
    for (const waiter of [...this.readyWaiters]) waiter();
    if (this.stopping) return;
    this.log.error({ event: 'worker-died', workerPid: state.worker.process.pid, code, signal: signalName }, 'router worker died; starting another');
    const now = Date.now();
    this.restarts.push(now);
    while (this.restarts.length > 0 && this.restarts[0]! < now - RESTART_WINDOW_MS) this.restarts.shift();
    if (this.restarts.length > RESTART_BURST) setTimeout(() => this.stopping || this.fork(), 1_000);
    else this.fork();
  }

  private async applyTo(state: WorkerState, config: RouterConfig, waitForPortMs = 0): Promise<void> {
    const answer = await this.ask(state, { type: 'apply', id: this.nextId++, config, ...(waitForPortMs > 0 ? { waitForPortMs } : {}) }, waitForPortMs);
    if (answer.type === 'failed') {
      const code = (Object.values(ErrorCode) as string[]).includes(answer.code) ? (answer.code as ErrorCode) : ErrorCode.Internal;
      throw new CutoverError(code, answer.message, { context: { service: config.service } });
    }
    if (answer.type === 'applied') this.lastPorts = answer.ports;
  }

  /** Sends `message` and waits for the answer with its id, WORKER_ANSWER_MS plus `extraMs` at most. */
  private ask(state: WorkerState, message: ToWorker, extraMs = 0): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const timeoutMs = WORKER_ANSWER_MS + extraMs;
      const timer = setTimeout(() => {
        state.waiting.delete(message.id);
        reject(new CutoverError(ErrorCode.RouterUnavailable, `Router worker ${state.worker.process.pid ?? '?'} did not answer ${message.type} within ${timeoutMs} ms.`, { retryable: true }));
      }, timeoutMs);
      state.waiting.set(message.id, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(new CutoverError(ErrorCode.RouterUnavailable, `Router worker ${state.worker.process.pid ?? '?'} exited before it answered ${message.type}.`, { retryable: true, cause: error }));
        },
      });
      state.worker.send(message);
    });
  }
}

function signal(worker: Worker, name: NodeJS.Signals): void {
  try {
    worker.process.kill(name);
  } catch {
    // already gone
  }
}

export interface SupervisedRouter {
  readonly adminPort: number;
  stop(): Promise<void>;
  readonly stopped: Promise<void>;
}

/**
 * Runs the router as a supervisor of `workers` worker processes (this
 * process must be the cluster primary; main.ts runs workers in the others).
 */
export async function runSupervisor(options: RouterOptions & { workers: number; log: RouterLogger }): Promise<SupervisedRouter> {
  const { log } = options;
  // Workers accept on the shared socket themselves: with round-robin the supervisor would accept every connection and hand it over.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const token = await readToken(options.tokenFile);
  const metricsToken = options.metricsTokenFile ? await readToken(options.metricsTokenFile) : undefined;
  const supervisor = new Supervisor(options.stateFile, log);
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  // The admin port first: a second router started for the same service (by the control plane and by an
  // orphaned worker at once) fails here, before it forks workers or stops anyone's.
  const admin: Server = await startAdmin(options.adminPort, token, supervisor, log, metricsToken);
  try {
    await supervisor.start(options.workers, await loadStored(options.stateFile, log));
  } catch (error) {
    await supervisor.stop(stopTimeoutMs);
    await closeGracefully(admin, 1_000);
    throw error;
  }
  const ports = supervisor.ports();
  log.info(
    { event: 'start', service: supervisor.config?.service, generation: supervisor.config?.generation, adminPort: portOf(admin), port: ports.traffic, previewPort: ports.preview, workers: supervisor.workerPids(), stateFile: options.stateFile },
    'router started',
  );
  let stopping: Promise<void> | undefined;
  let markStopped = (): void => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const router: SupervisedRouter = {
    adminPort: portOf(admin),
    stopped,
    stop: () => {
      stopping ??= (async () => {
        await supervisor.stop(stopTimeoutMs);
        await closeGracefully(admin, 1_000);
        log.info({ event: 'stopped' }, 'router stopped');
      })().finally(markStopped);
      return stopping;
    },
  };
  if (options.exitOnSignal) exitOnSignal(router, log);
  return router;
}
