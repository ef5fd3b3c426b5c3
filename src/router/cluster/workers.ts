/**
 * The workers of a supervised router (supervisor.ts, one service) and of a
 * router host (host.ts, every service of a data dir), one piece for both:
 * forking them, asking them over IPC with a deadline, replacing one that
 * dies (a burst of deaths waits a second), telling a previous router's
 * orphaned workers to let go of the ports once one of ours has booted,
 * stopping them, and reading one service's counters and samples from every
 * worker. A service is a `slot` of the host; a router of one service has
 * no slot (its messages leave it out), kept here under ''.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { RouterLogger } from '../log.ts';
import type { SampleRing } from '../stats.ts';
import type { RouterConfig, RouterStats } from '../wire.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import { clearRespawnLock, orphanWorkers, stopOrphans, workerEnv } from './takeover.ts';

/** How long a worker may take to answer the supervisor. */
const WORKER_ANSWER_MS = 5_000;
/** More restarts than this within RESTART_WINDOW_MS and the next one waits a second: a worker that dies at start must not spin. */
const RESTART_BURST = 10;
const RESTART_WINDOW_MS = 10_000;
/** How long a worker retries the traffic port while the previous router's orphaned workers let go of it. */
const TAKEOVER_PORT_WAIT_MS = 15_000;

export interface PoolWorker {
  readonly worker: Worker;
  /** It serves every config it was given at boot (or there was none). */
  ready: boolean;
  /** Per slot: its counters as last read, what it had counted should it die. */
  readonly lastStats: Map<string, RouterStats>;
  /** Per slot: its own sample sequence number read up to. */
  readonly samplesRead: Map<string, number>;
  readonly waiting: Map<number, { resolve(message: FromWorker): void; reject(error: Error): void }>;
}

/** What the supervisor or the host does when a worker boots or exits. */
export interface PoolOwner {
  /** Hands a booted worker every config it must serve; it counts as serving once this resolves (a rejection is logged, and it never does). */
  onBooted(state: PoolWorker, waitForPortMs: number): Promise<void>;
  /** A worker exited: its last counters are added to the totals that never go down. */
  onDeparted(state: PoolWorker): void;
}

export class WorkerPool {
  readonly states = new Map<number, PoolWorker>();
  private nextId = 1;
  private count = 1;
  private orphans: number[] = [];
  private stopping = false;
  private starting = true;
  private readonly restarts: number[] = [];
  private readonly readyWaiters = new Set<() => void>();

  constructor(
    /** The state file (or host.json) this router serves, resolved: what its workers and orphans are found by. */
    private readonly file: string,
    private readonly log: RouterLogger,
    private readonly owner: PoolOwner,
  ) {}

  get isStarting(): boolean {
    return this.starting;
  }

  /** Starts `count` workers, taking the ports over from a dead router's orphaned workers; resolves once every one serves. */
  async start(count: number): Promise<void> {
    this.count = count;
    this.orphans = orphanWorkers(this.file);
    if (this.orphans.length > 0) this.log.warn({ event: 'takeover', orphans: this.orphans }, 'workers of a previous router still serve; taking their ports over');
    for (let i = 0; i < count; i++) this.fork();
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
    clearRespawnLock(this.file);
  }

  /** The workers that serve (a replacement appears once it does). */
  pids(): number[] {
    return [...this.states.values()].flatMap((state) => (state.ready && state.worker.process.pid !== undefined ? [state.worker.process.pid] : []));
  }

  /** Applies `config` in one worker; a worker's refusal (a port taken) is thrown as the CutoverError it names. */
  async apply(state: PoolWorker, slot: string | undefined, config: RouterConfig, waitForPortMs = 0): Promise<{ traffic?: number; preview?: number } | undefined> {
    const answer = await this.ask(state, { type: 'apply', id: this.nextId++, ...(slot !== undefined ? { slot } : {}), config, ...(waitForPortMs > 0 ? { waitForPortMs } : {}) }, waitForPortMs);
    if (answer.type === 'failed') {
      const code = (Object.values(ErrorCode) as string[]).includes(answer.code) ? (answer.code as ErrorCode) : ErrorCode.Internal;
      throw new CutoverError(code, answer.message, { context: { service: config.service } });
    }
    return answer.type === 'applied' ? answer.ports : undefined;
  }

  /** Tells every worker a slot left: it closes its listeners (requests in flight finish); its counters and sample marks are forgotten. */
  async remove(slot: string): Promise<void> {
    await Promise.all([...this.states.values()].map((state) => this.ask(state, { type: 'remove', id: this.nextId++, slot }, 25_000).catch(() => undefined)));
    for (const state of this.states.values()) {
      state.lastStats.delete(slot);
      state.samplesRead.delete(slot);
    }
  }

  /**
   * Every worker's counters of a slot: a worker dying or busy is stood in
   * for by its last read, and counted in `unanswered` (a drain waits for a
   * read every worker answered). `keep` says whether the answer is still
   * wanted (the slot was not removed meanwhile).
   */
  async stats(slot: string | undefined, keep: () => boolean = () => true): Promise<{ stats: RouterStats[]; unanswered: number }> {
    const key = slot ?? '';
    let unanswered = 0;
    const answers = await Promise.all(
      [...this.states.values()].map(async (state) => {
        try {
          const answer = await this.ask(state, { type: 'stats', id: this.nextId++, ...(slot !== undefined ? { slot } : {}) });
          if (answer.type === 'stats' && keep()) state.lastStats.set(key, answer.stats);
        } catch {
          if (state.ready) unanswered++;
        }
        return state.lastStats.get(key);
      }),
    );
    return { stats: answers.filter((answer): answer is RouterStats => answer !== undefined), unanswered };
  }

  /** Moves every worker's new samples of a slot into `ring`, one worker at a time, so the judge reads one sequence, each request once. */
  async pullSamples(slot: string | undefined, ring: SampleRing): Promise<void> {
    const key = slot ?? '';
    for (const state of [...this.states.values()]) {
      let answer: FromWorker;
      try {
        answer = await this.ask(state, { type: 'samples', id: this.nextId++, ...(slot !== undefined ? { slot } : {}), after: state.samplesRead.get(key) ?? 0 });
      } catch {
        continue;
      }
      if (answer.type !== 'samples') continue;
      const { samples } = answer;
      state.samplesRead.set(key, samples.seq);
      for (let i = 0; i < samples.revision.length; i++) {
        const route = samples.routes?.[samples.route?.[i] ?? -1] ?? 'other';
        ring.push(samples.revision[i]!, samples.status[i]!, samples.latencyMs[i]!, {
          route,
          pinned: samples.pinned?.[i] === 1,
          instanceAgeMs: samples.instanceAgeMs?.[i] ?? 0,
        });
      }
    }
  }

  /** Stops every worker gracefully (each finishes its requests in flight, SIGKILL 2 s after `timeoutMs`), then returns. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
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
    const worker = cluster.fork(workerEnv(this.file, this.count));
    const state: PoolWorker = { worker, ready: false, lastStats: new Map(), samplesRead: new Map(), waiting: new Map() };
    this.states.set(worker.id, state);
    worker.on('message', (message: FromWorker) => this.onMessage(state, message));
    worker.on('exit', (code, signalName) => this.onExit(state, code, signalName));
    worker.on('error', (error) => this.log.warn({ event: 'worker-error', workerPid: worker.process.pid, error: messageOf(error) }, 'router worker channel error'));
  }

  private onMessage(state: PoolWorker, message: FromWorker): void {
    if (message.type === 'ready') {
      // One of ours has booted: the orphans may let go of the ports now, and ours retry them until they have.
      stopOrphans(this.orphans.splice(0), this.log);
      this.owner.onBooted(state, this.starting ? TAKEOVER_PORT_WAIT_MS : 0).then(
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

  private onExit(state: PoolWorker, code: number | null, signalName: string | null): void {
    this.states.delete(state.worker.id);
    for (const waiter of state.waiting.values()) waiter.reject(new Error('the worker exited'));
    state.waiting.clear();
    this.owner.onDeparted(state);
    for (const waiter of [...this.readyWaiters]) waiter();
    if (this.stopping) return;
    this.log.error({ event: 'worker-died', workerPid: state.worker.process.pid, code, signal: signalName }, 'router worker died; starting another');
    const now = Date.now();
    this.restarts.push(now);
    while (this.restarts.length > 0 && this.restarts[0]! < now - RESTART_WINDOW_MS) this.restarts.shift();
    if (this.restarts.length > RESTART_BURST) setTimeout(() => this.stopping || this.fork(), 1_000);
    else this.fork();
  }

  /** Sends `message` and waits for the answer with its id, WORKER_ANSWER_MS plus `extraMs` at most. */
  private ask(state: PoolWorker, message: ToWorker, extraMs = 0): Promise<FromWorker> {
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
