/**
 * Chaos trials, shared by `npm run chaos` (bench/chaos.ts, many trials, prints
 * figures) and its short seeded CI version (test/chaos.test.ts): each trial
 * deploys the next version of one service with a random strategy under paced
 * load, SIGKILLs one process (the control plane, a router worker or the
 * router's supervisor — or the router when it runs as one process — or an
 * instance) at a random instant,
 * and then checks the service converged: its deployment reached an end
 * phase, the router serves the version the store calls stable, and exactly
 * the recorded processes run (no duplicate, no orphan, one router).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mulberry32, type Random } from '../../bench/stats/random.ts';
import type { StatusView } from '../../src/api/views.ts';
import { freePort } from '../../src/core/net.ts';
import { lastVersions, startLoad, type LoadReport } from '../../src/load/index.ts';
import { findMarked, isProcessAlive, outermost, signalGroup } from '../../src/platforms/index.ts';
import { findProcesses, parentOf } from '../../src/platforms/local/proc.ts';
import { Cluster, helloSpec, waitFor } from './cluster.ts';

export const KILL_TARGETS = ['controlPlane', 'router', 'instance'] as const;
export type KillTarget = (typeof KILL_TARGETS)[number];

export const CHAOS_STRATEGIES: Record<string, Record<string, unknown>> = {
  rolling: { rolling: { maxSurge: 1, maxUnavailable: 0 } },
  blueGreen: { blueGreen: { autoPromote: true, scaleDownDelay: '1s' } },
  canary: { canary: { steps: [{ setWeight: 34 }, { pause: { duration: '1s' } }, { setWeight: 67 }, { pause: { duration: '1s' } }] } },
};

const END_PHASES = new Set(['Succeeded', 'RolledBack', 'Aborted', 'Failed']);

export interface ChaosOptions {
  seed: number;
  trials: number;
  /**
   * The number of the first trial: with the same seed, trial N kills the same way whether the run starts at 1 or at N
   * (to replay one trial of a long run alone). @default 1
   */
  first?: number;
  /** Requests per second of the paced load through the service's router. */
  rate: number;
  /** Router worker processes (CUTOVER_ROUTER_WORKERS); 1 runs the router as one process. */
  workers: number;
  /** Instances of the service. */
  instances: number;
  /** The latest instant of a kill, in ms after `apply` returned. */
  maxKillDelayMs: number;
  /** How long a trial may take to converge after its kill. */
  convergeTimeoutMs: number;
  /** Told of each trial as it ends (the benchmark prints a line). */
  onTrial?: (trial: TrialResult) => void;
}

export const CHAOS_DEFAULTS: Omit<ChaosOptions, 'seed' | 'trials'> = {
  rate: 200,
  /** The router's default layout: a supervisor and 2 workers. */
  workers: 2,
  instances: 3,
  maxKillDelayMs: 4_000,
  convergeTimeoutMs: 120_000,
};

export interface TrialResult {
  trial: number;
  strategy: string;
  target: KillTarget;
  /** When the kill happened, in ms after `apply` returned. */
  killAtMs: number;
  /** What was killed, e.g. "router worker 1234" or "instance hello-…". */
  killed: string;
  converged: boolean;
  /** Why it did not converge (the first check that failed). */
  problem?: string;
  phase: string;
  version: string;
  /** From the kill to every check passing. */
  convergeMs: number;
  sent: number;
  failed: number;
  failedBy: Record<string, number>;
  /** Processes running an instance id that another running process also runs, and routers beyond one. */
  duplicates: number;
  /** Instance processes no live record owns. */
  orphans: number;
}

export interface ChaosSummary {
  trials: TrialResult[];
  converged: number;
  sent: number;
  /** Failed requests of trials that killed the control plane or an instance. */
  failed: number;
  /** Failed requests of trials that killed a router (worker). */
  failedRouterKills: number;
  routerKills: number;
  duplicates: number;
  orphans: number;
  convergeMs: { median: number; max: number };
}

/** Runs `options.trials` chaos trials on one fresh cluster; stops everything it started. */
export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const random = mulberry32(options.seed);
  const cluster = new Cluster();
  const previousWorkers = process.env.CUTOVER_ROUTER_WORKERS;
  // The server passes its own CUTOVER_ROUTER_WORKERS to the routers it starts.
  process.env.CUTOVER_ROUTER_WORKERS = String(options.workers);
  const trials: TrialResult[] = [];
  try {
    await cluster.start();
    const service = new ChaosService(cluster, await freePort(), options);
    await service.deploy('1.0.0', 'rolling');
    await service.waitConverged();
    const first = options.first ?? 1;
    for (let skipped = 1; skipped < first; skipped++) skipDraws(random);
    for (let trial = first; trial < first + options.trials; trial++) {
      const result = await service.trial(trial, random);
      trials.push(result);
      options.onTrial?.(result);
    }
  } finally {
    if (previousWorkers === undefined) delete process.env.CUTOVER_ROUTER_WORKERS;
    else process.env.CUTOVER_ROUTER_WORKERS = previousWorkers;
    await cluster.destroy();
  }
  return summarize(trials);
}

export function summarize(trials: TrialResult[]): ChaosSummary {
  const times = trials.filter((t) => t.converged).map((t) => t.convergeMs).sort((a, b) => a - b);
  const routerTrials = trials.filter((t) => t.target === 'router');
  const sum = (list: TrialResult[], pick: (t: TrialResult) => number): number => list.reduce((total, t) => total + pick(t), 0);
  return {
    trials,
    converged: trials.filter((t) => t.converged).length,
    sent: sum(trials, (t) => t.sent),
    failed: sum(trials.filter((t) => t.target !== 'router'), (t) => t.failed),
    failedRouterKills: sum(routerTrials, (t) => t.failed),
    routerKills: routerTrials.length,
    duplicates: sum(trials, (t) => t.duplicates),
    orphans: sum(trials, (t) => t.orphans),
    convergeMs: { median: times.length ? times[Math.floor((times.length - 1) / 2)]! : 0, max: times.length ? times[times.length - 1]! : 0 },
  };
}

/** Every random number a trial draws (ChaosService.trial), so a later trial can be replayed alone. */
const DRAWS_PER_TRIAL = 5;

function skipDraws(random: Random): void {
  for (let i = 0; i < DRAWS_PER_TRIAL; i++) random();
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** One service deployed again and again on the cluster, with what the trials need to know of it. */
class ChaosService {
  private readonly name = 'chaos';
  /** Version per revision, as applied: what a rolled-back service must serve. */
  private readonly versions = new Map<number, string>();
  private lastRevision = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly port: number,
    private readonly options: ChaosOptions,
  ) {}

  /** Applies `version` with `strategy` (without waiting) and records its revision. */
  async deploy(version: string, strategy: string): Promise<void> {
    const spec = helloSpec({
      port: this.port,
      version,
      instances: this.options.instances,
      strategy: CHAOS_STRATEGIES[strategy],
      drainTimeout: '2s',
      healthCheck: { path: '/healthz', interval: '300ms', timeout: '1s', healthyThreshold: 1, unhealthyThreshold: 3, startupTimeout: '20s' },
    });
    const applied = await this.cluster.cli('apply', '-f', this.cluster.writeSpec(this.name, spec, `${this.name}-${version}.yaml`));
    if (applied.code !== 0) throw new Error(`apply of ${version} failed: ${applied.stdout}${applied.stderr}`);
    const status = await waitFor(`revision of ${version}`, async () => {
      const current = await this.cluster.status(this.name);
      return current.version === version && current.revision > this.lastRevision ? current : null;
    });
    this.lastRevision = status.revision;
    this.versions.set(status.revision, version);
  }

  /** Draws DRAWS_PER_TRIAL random numbers, no more. */
  async trial(trial: number, random: Random): Promise<TrialResult> {
    const strategy = pick(random, Object.keys(CHAOS_STRATEGIES));
    const target = pick(random, KILL_TARGETS);
    const killAtMs = Math.round(random() * this.options.maxKillDelayMs);
    const choice = random();
    const downMs = Math.round(random() * 1_500);
    const version = `1.0.${trial}`;
    const load = startLoad({ url: `http://127.0.0.1:${this.port}/`, ratePerSecond: this.options.rate });
    let report: LoadReport | undefined;
    let killed = '';
    let killedAt = performance.now();
    let checked: Convergence = { converged: false, problem: 'not checked', phase: '', version: '', duplicates: 0, orphans: 0 };
    try {
      await this.deploy(version, strategy);
      await sleep(killAtMs);
      killedAt = performance.now();
      killed = await this.kill(target, choice, downMs);
      checked = await this.waitConverged();
    } catch (error) {
      checked = { ...checked, converged: false, problem: error instanceof Error ? error.message : String(error) };
    } finally {
      report = await load.stop();
    }
    return {
      trial, strategy, target, killAtMs, killed, ...checked,
      convergeMs: Math.round(performance.now() - killedAt),
      sent: report.sent, failed: report.failed, failedBy: report.failedBy,
    };
  }

  /** SIGKILLs one process of `target` (the `choice`-th of several, in [0, 1)); says which. */
  private async kill(target: KillTarget, choice: number, downMs: number): Promise<string> {
    switch (target) {
      case 'controlPlane': {
        await this.cluster.stopServer('SIGKILL');
        await sleep(downMs);
        await this.cluster.start();
        return `control plane (down ${downMs} ms)`;
      }
      case 'router': {
        const routers = this.cluster.processes().filter((p) => p.router);
        // Workers carry no data-dir mark (the control plane must not mistake them for routers): they are the routers' children.
        const supervisors = new Set(routers.map((p) => p.pid));
        const workers = findMarked({ CUTOVER_ROUTER_WORKER: '1' }).filter((p) => supervisors.has(parentOf(p.pid) ?? -1));
        // With workers, one of them (the supervisor replaces it) or the supervisor (its workers go on serving and
        // start a new router); alone, the router itself (the server restarts it).
        const candidates = [...workers.map((w) => ({ pid: w.pid, what: 'router worker' })), ...routers.map((r) => ({ pid: r.pid, what: workers.length > 0 ? 'router supervisor' : 'router' }))];
        const victim = candidates[Math.floor(choice * candidates.length)];
        if (!victim) return 'no router was running';
        process.kill(victim.pid, 'SIGKILL');
        return `${victim.what} ${victim.pid}`;
      }
      case 'instance': {
        const instances = this.cluster.processes().filter((p) => p.instance);
        const victim = instances[Math.floor(choice * instances.length)];
        if (!victim) return 'no instance was running';
        signalGroup(victim.pid, 'SIGKILL');
        return `instance ${victim.instance}`;
      }
    }
  }

  /** Waits until every check passes; resolves with the last checks when the deadline passes. */
  async waitConverged(): Promise<Convergence> {
    const deadline = Date.now() + this.options.convergeTimeoutMs;
    let last: Convergence = { converged: false, problem: 'not checked', phase: '', version: '', duplicates: 0, orphans: 0 };
    while (Date.now() < deadline) {
      try {
        last = await this.check();
        if (last.converged) return last;
      } catch (error) {
        last = { ...last, converged: false, problem: error instanceof Error ? error.message : String(error) };
      }
      await sleep(250);
    }
    return last;
  }

  private async check(): Promise<Convergence> {
    const status: StatusView = await this.cluster.status(this.name);
    const expected = status.stableRevision === null ? undefined : this.versions.get(status.stableRevision);
    const running = this.cluster.processes();
    const instanceIds = running.filter((p) => p.instance).map((p) => p.instance!);
    const recorded = new Set(status.instances.map((i) => i.id));
    const counts = new Map<string, number>();
    for (const id of instanceIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    const routers = outermost(running.filter((p) => p.router && isProcessAlive(p.pid)));
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0) + Math.max(0, routers.length - 1);
    const orphans = instanceIds.filter((id) => !recorded.has(id)).length;
    const result = { converged: false, phase: status.phase, version: expected ?? '?', duplicates, orphans };
    const problem = (text: string): Convergence => ({ ...result, problem: text });
    if (!END_PHASES.has(status.phase)) return problem(`phase ${status.phase}`);
    if (expected === undefined) return problem(`no known version for stable revision ${status.stableRevision}`);
    if (duplicates > 0 || orphans > 0) return problem(`${duplicates} duplicate and ${orphans} orphan processes`);
    if (routers.length !== 1) return problem(`${routers.length} routers run`);
    // After a supervisor's death its workers serve until the new router has taken their port over: not converged before.
    const orphaned = findProcesses((env, pid) => env.get('CUTOVER_ROUTER_WORKER') === '1' && (env.get('CUTOVER_ROUTER_WORKER_OF') ?? '').startsWith(this.cluster.dataDir) && parentOf(pid) !== routers[0]!.pid);
    if (orphaned.length > 0) return problem(`${orphaned.length} router workers of a dead supervisor still serve`);
    const missing = status.instances.filter((i) => !counts.has(i.id));
    if (missing.length > 0) return problem(`recorded instances not running: ${missing.map((i) => i.id).join(', ')}`);
    const stable = status.instances.filter((i) => i.revision === status.stableRevision && i.healthy);
    if (stable.length !== this.options.instances || status.instances.length !== stable.length) {
      return problem(`${stable.length} healthy instances of stable revision ${status.stableRevision} of ${status.instances.length} recorded`);
    }
    const served = await this.served();
    if (Object.keys(served).join() !== expected) return problem(`the router served ${JSON.stringify(served)}, expected ${expected}`);
    return { ...result, converged: true };
  }

  /** Versions of a few requests sent now. */
  private async served(): Promise<Record<string, number>> {
    const load = startLoad({ url: `http://127.0.0.1:${this.port}/`, ratePerSecond: 100 });
    await sleep(300);
    return lastVersions(await load.stop(), 10_000);
  }
}

interface Convergence {
  converged: boolean;
  problem?: string;
  phase: string;
  version: string;
  duplicates: number;
  orphans: number;
}
