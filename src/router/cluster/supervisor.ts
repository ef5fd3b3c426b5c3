import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { resolve as resolvePath } from 'node:path';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
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
import { type PoolWorker, WorkerPool } from './workers.ts';

/**
 * How often the supervisor reads every worker's counters and samples even
 * when nobody asks: a worker that dies takes with it only what it counted
 * since the last read.
 */
export const COLLECT_INTERVAL_MS = 500;

/**
 * The router as a small supervisor and several workers (node:cluster) that
 * share the traffic ports, so every core proxies and the death of a worker
 * loses only the requests it had in flight: the listening socket stays open
 * (the others, and a replacement, keep accepting), and the replacement
 * serves the current config at once, with or without the control plane.
 * The supervisor proxies nothing: it owns the admin API and the config
 * (persisted before it is applied), hands every config to every worker, and
 * adds up their counters and per-request samples, so the control plane sees
 * one router, every request counted once. The workers themselves are a
 * WorkerPool (workers.ts), as the router host's are.
 */
class Supervisor implements AdminTarget {
  private current: RouterConfig | undefined;
  private readonly workers: WorkerPool;
  /** Counters of workers that died, so totals never go down. */
  private readonly departed: Record<string, RevisionStats> = {};
  private readonly ring = new SampleRing(SAMPLE_CAPACITY);
  private pushes: Promise<unknown> = Promise.resolve();
  private sampling: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private lastPorts: { traffic?: number; preview?: number } = {};
  private collector: NodeJS.Timeout | undefined;

  constructor(
    private readonly stateFile: string,
    private readonly log: RouterLogger,
  ) {
    this.workers = new WorkerPool(resolvePath(stateFile), log, {
      onBooted: async (state, waitForPortMs) => {
        if (this.current) await this.applyTo(state, this.current, waitForPortMs);
      },
      onDeparted: (state) => {
        const last = state.lastStats.get('');
        if (last) addRevisionStats(this.departed, last.revisions);
      },
    });
  }

  get config(): RouterConfig | undefined {
    return this.current;
  }

  /** While it starts, the admin API answers /healthz with 503: the control plane waits for the workers. */
  isStarting(): boolean {
    return this.workers.isStarting;
  }

  /** Starts `count` workers with the stored config, taking the port over from a dead router's workers; resolves when all serve it. */
  async start(count: number, stored: RouterConfig | undefined): Promise<void> {
    this.current = stored;
    this.collector = setInterval(() => {
      void this.stats().catch(() => undefined);
      void this.collectSamples().catch(() => undefined);
    }, COLLECT_INTERVAL_MS);
    this.collector.unref();
    await this.workers.start(count);
  }

  /** The workers that serve the current config (a replacement appears once it does). */
  workerPids(): number[] {
    return this.workers.pids();
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
      await Promise.all([...this.workers.states.values()].map((state) => this.applyTo(state, config)));
      this.log.info({ event: 'config-applied', service: config.service, generation: config.generation, workers: this.workers.states.size }, 'config applied by every worker');
      return { kind: 'applied', generation: config.generation };
    });
    this.pushes = run.catch(() => undefined);
    return run;
  }

  async stats(): Promise<RouterStats> {
    const { stats, unanswered } = await this.workers.stats(undefined);
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

  /** One pull at a time. */
  private collectSamples(): Promise<void> {
    const run = this.sampling.then(() => this.workers.pullSamples(undefined, this.ring));
    this.sampling = run.catch(() => undefined);
    return run;
  }

  /** Stops every worker gracefully (each finishes its requests in flight), then returns. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.collector);
    await this.pushes;
    await this.workers.stop(timeoutMs);
  }

  private async applyTo(state: PoolWorker, config: RouterConfig, waitForPortMs = 0): Promise<void> {
    const ports = await this.workers.apply(state, undefined, config, waitForPortMs);
    if (ports) this.lastPorts = ports;
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
