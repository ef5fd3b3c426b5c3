/**
 * `npm run bench:analysis`, second part: the judge where real canaries break
 * its assumptions. Request by request, each second's answers are generated
 * like the router's samples (revision, status, latency, route, pinned,
 * instance age) and turned into the judge's batch by the compare provider's
 * own code (trafficBatchFrom: pinned traffic and warming-up instances left
 * out, routes split), then judged. Null scenarios (the canary runs the same
 * code as stable) print false alarms with 95% Clopper–Pearson intervals;
 * regressions print detection times. Seeded per scenario: a run reproduces
 * whatever the worker count. A benchmark: it prints, asserts nothing.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { createComparativeJudge, type JudgeOptions } from '../src/analysis/judge/index.ts';
import { trafficBatchFrom } from '../src/analysis/providers/traffic-batch.ts';
import { clopperPearsonInterval } from './stats/binomial.ts';
import { mulberry32, sampleNormal, samplePoisson, type Random } from './stats/random.ts';
import { percent, printTable, quantile } from './report.ts';

const SEED = Number(process.env.BENCH_SEED ?? 20261130);
const WORKERS = Math.max(1, Math.min(availableParallelism(), Number(process.env.BENCH_WORKERS ?? 2)));
const NULL_RUNS = Number(process.env.BENCH_NULL_RUNS ?? 400);
const EFFECT_RUNS = Number(process.env.BENCH_EFFECT_RUNS ?? 200);
/** Seconds a null run is watched: two minutes of canary at one weight, a usual pause. */
const NULL_HORIZON_S = 120;
const CANARY = 2;
const STABLE = 1;
const DEFAULT_WARM_UP_MS = 3000;

/** How one simulated world behaves; every scenario changes a few of these. */
interface World {
  totalRps: number;
  canaryShare: number;
  stableInstances: number;
  canaryInstances: number;
  /** Routes with their error rates and their share of each side's requests. */
  routes: { key: string; errorRate: number; stableShare: number; canaryShare: number }[];
  /** The canary's own extra error rate at second t (a regression). */
  canaryExtraErrors?: (t: number) => number;
  /** Milliseconds added to canary latencies at second t. */
  canaryPlusMs?: (t: number) => number;
  /** An error rate added to both sides at second t (a shared incident). */
  incident?: (t: number) => number;
  /** A cold canary instance: latency × (1 + slow·e^(−age/seconds)), errors + extra·e^(−age/seconds). */
  cold?: { seconds: number; slow: number; extraErrors: number };
  /** Each instance, each second, with this chance has a hiccup: its error rate is `errorRate` for that second. */
  hiccup?: { chance: number; errorRate: number };
  /** Each instance's latency level varies second to second: × e^(N(0, sd)). */
  levelSd?: number;
  /** Each side's error rate varies second to second: × a Gamma draw with mean 1 and this coefficient of variation. */
  overdispersion?: number;
  /** A client whose requests fail on any version, sent by weight, each retried `retries` times on the side that took it (sticky): errors in clusters. */
  poison?: { rps: number; retries: number };
  /** A client pinned to the canary (x-cutover-revision). */
  pinned?: { rps: number; errorRate: number };
  /** Instances as M/M/1 queues: utilisation per side; latency exponential with mean 20 ms ÷ (1 − ρ)·(1 − 0.6). */
  utilisation?: { stable: number; canary: number };
}

const BASE: World = {
  totalRps: 300,
  canaryShare: 0.2,
  stableInstances: 3,
  canaryInstances: 1,
  routes: [{ key: 'GET /', errorRate: 0.01, stableShare: 1, canaryShare: 1 }],
};

interface Scenario {
  name: string;
  world: Partial<World>;
  warmUpMs?: number;
  judge?: JudgeOptions;
  /** Regressions: the second it starts (detection delay is measured from it). Null scenarios have none. */
  onset?: number;
  horizon: number;
  runs: number;
}

const late = (onset: number, value: number) => (t: number) => (t >= onset ? value : 0);
const during = (from: number, to: number, value: number) => (t: number) => (t >= from && t < to ? value : 0);

const NULL_SCENARIOS: Scenario[] = [
  { name: 'healthy (canary = stable)', world: {} },
  { name: 'warm-up: cold canary, 2× slower and +5% errors fading over ~5 s', world: { cold: { seconds: 1.5, slow: 1, extraErrors: 0.05 } } },
  { name: 'warm-up: 2× slower and +5% errors for 20 s, warmUp: 20s', world: { cold: { seconds: 6, slow: 1.5, extraErrors: 0.08 } }, warmUpMs: 20_000 },
  { name: 'noisy instances: 1-s error hiccups (20%), 1% of instance-seconds', world: { hiccup: { chance: 0.01, errorRate: 0.2 } } },
  { name: 'noisy instances: latency level e^N(0, 0.15) per instance-second', world: { levelSd: 0.15 } },
  { name: 'overdispersion: error rate × Gamma (cv 0.5) per side-second', world: { overdispersion: 0.5 } },
  { name: 'retries on one side: 1 failing req/s by weight, 3 sticky retries', world: { poison: { rps: 1, retries: 3 } } },
  {
    name: 'request mix: flaky route (10% errors) 25% of canary vs 10% of stable',
    world: {
      routes: [
        { key: 'GET /', errorRate: 0.01, stableShare: 0.9, canaryShare: 0.75 },
        { key: 'GET /flaky', errorRate: 0.1, stableShare: 0.1, canaryShare: 0.25 },
      ],
    },
  },
  { name: 'pinned client: 10% of canary traffic, 20% failures', world: { pinned: { rps: 6, errorRate: 0.2 } } },
  { name: 'per-instance load matched (canary scaled), M/M/1 at 60%', world: { canaryShare: 0.5, canaryInstances: 3, utilisation: { stable: 0.6, canary: 0.6 } } },
].map((s) => ({ ...s, horizon: NULL_HORIZON_S, runs: NULL_RUNS }));

/** What the scenarios above would do without the defences: why each exists (not part of the target). */
const WITHOUT: Scenario[] = [
  { name: 'per-instance load unmatched (weight 50%: canary 2 instances, stable 3)', world: { canaryShare: 0.5, canaryInstances: 2, utilisation: { stable: 0.4, canary: 0.6 } } },
  { name: 'warm-up of 20 s with the default warmUp (3 s): worse for 17 s', world: { cold: { seconds: 6, slow: 1.5, extraErrors: 0.08 } } },
].map((s) => ({ ...s, horizon: NULL_HORIZON_S, runs: Math.min(NULL_RUNS, 200) }));

const REGRESSIONS: Scenario[] = [
  { name: '1% → 5% from the start', world: { canaryExtraErrors: () => 0.04 }, onset: 0 },
  { name: '1% → 5% from t = 120 s', world: { canaryExtraErrors: late(120, 0.04) }, onset: 120 },
  { name: '1% → 5% from t = 120 s, after a shared incident (20% errors, t = 30-40 s)', world: { canaryExtraErrors: late(120, 0.04), incident: during(30, 40, 0.19) }, onset: 120 },
  { name: '1% → 5% from the start, shared incident at t = 0-10 s', world: { canaryExtraErrors: () => 0.04, incident: during(0, 10, 0.19) }, onset: 0 },
  { name: '1% → 5% from t = 120 s, noisy instances (hiccups)', world: { canaryExtraErrors: late(120, 0.04), hiccup: { chance: 0.01, errorRate: 0.2 } }, onset: 120 },
  { name: '1% → 5% behind a cold start (stays worse after warm-up)', world: { canaryExtraErrors: () => 0.04, cold: { seconds: 1.5, slow: 1, extraErrors: 0.05 } }, onset: 0 },
  { name: '+25 ms from the start', world: { canaryPlusMs: () => 25 }, onset: 0 },
  { name: '+25 ms from t = 120 s', world: { canaryPlusMs: late(120, 25) }, onset: 120 },
].map((s) => ({ ...s, horizon: (s.onset ?? 0) + 180, runs: EFFECT_RUNS }));

/** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 boosted). */
function sampleGamma(random: Random, shape: number): number {
  if (shape < 1) return sampleGamma(random, shape + 1) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleNormal(random);
    const v = (1 + c * x) ** 3;
    if (v > 0 && Math.log(1 - random()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** The router's samples for one second of the world. */
function second(random: Random, world: World, t: number) {
  const out = { revision: [] as number[], status: [] as number[], latencyMs: [] as number[], routes: world.routes.map((r) => r.key), route: [] as number[], pinned: [] as number[], instanceAgeMs: [] as number[] };
  const instances = { canary: world.canaryInstances, stable: world.stableInstances };
  const hiccups = { canary: [] as boolean[], stable: [] as boolean[] };
  const levels = { canary: [] as number[], stable: [] as number[] };
  for (const side of ['canary', 'stable'] as const) {
    for (let i = 0; i < instances[side]; i++) {
      hiccups[side].push(world.hiccup ? random() < world.hiccup.chance : false);
      levels[side].push(world.levelSd ? Math.exp(world.levelSd * sampleNormal(random)) : 1);
    }
  }
  const overdispersed = (cv: number | undefined) => (cv ? sampleGamma(random, 1 / (cv * cv)) * cv * cv : 1);
  const spread = { canary: overdispersed(world.overdispersion), stable: overdispersed(world.overdispersion) };
  const shared = world.incident?.(t) ?? 0;
  const push = (revision: number, status: number, latency: number, route: number, pinned: number, age: number) => {
    out.revision.push(revision);
    out.status.push(status);
    out.latencyMs.push(latency);
    out.route.push(route);
    out.pinned.push(pinned);
    out.instanceAgeMs.push(age);
  };
  const requests = samplePoisson(random, world.totalRps);
  for (let k = 0; k < requests; k++) {
    const side = random() < world.canaryShare ? 'canary' : 'stable';
    const instance = Math.floor(random() * instances[side]);
    let pick = random();
    let route = 0;
    for (; route < world.routes.length - 1; route++) {
      pick -= side === 'canary' ? world.routes[route]!.canaryShare : world.routes[route]!.stableShare;
      if (pick < 0) break;
    }
    // The canary's instances entered rotation at t = 0 (one second = 1000 ms of age); stable ones long ago.
    const ageS = side === 'canary' ? t + random() : 3600;
    const cold = side === 'canary' && world.cold ? Math.exp(-ageS / world.cold.seconds) : 0;
    let errorRate = world.routes[route]!.errorRate * spread[side] + shared + (side === 'canary' ? (world.canaryExtraErrors?.(t) ?? 0) : 0) + (world.cold?.extraErrors ?? 0) * cold;
    if (hiccups[side][instance]) errorRate = Math.max(errorRate, world.hiccup!.errorRate);
    const utilisation = world.utilisation?.[side];
    let latency = utilisation === undefined ? 20 * Math.exp(0.5 * sampleNormal(random)) : (-Math.log(1 - random()) * 20 * 0.4) / (1 - utilisation);
    latency = latency * levels[side][instance]! * (1 + (world.cold?.slow ?? 0) * cold) + (side === 'canary' ? (world.canaryPlusMs?.(t) ?? 0) : 0);
    push(side === 'canary' ? CANARY : STABLE, random() < Math.min(errorRate, 1) ? 500 : 200, latency, route, 0, ageS * 1000);
  }
  if (world.pinned) {
    for (let k = samplePoisson(random, world.pinned.rps); k > 0; k--) push(CANARY, random() < world.pinned.errorRate ? 500 : 200, 20 * Math.exp(0.5 * sampleNormal(random)), 0, 1, (t + random()) * 1000);
  }
  if (world.poison) {
    for (let k = samplePoisson(random, world.poison.rps); k > 0; k--) {
      const revision = random() < world.canaryShare ? CANARY : STABLE;
      for (let attempt = 0; attempt <= world.poison.retries; attempt++) push(revision, 500, 20 * Math.exp(0.5 * sampleNormal(random)), 0, 0, revision === CANARY ? (t + random()) * 1000 : 3_600_000);
    }
  }
  return out;
}

interface Job {
  id: number;
  set: 'null' | 'without' | 'regression';
  index: number;
}

function scenarioOf(job: Pick<Job, 'set' | 'index'>): Scenario {
  return (job.set === 'null' ? NULL_SCENARIOS : job.set === 'without' ? WITHOUT : REGRESSIONS)[job.index]!;
}

/** Per run: the second of the first rollback (Infinity: none within the horizon). */
function simulate(job: Job): number[] {
  const scenario = scenarioOf(job);
  const world = { ...BASE, ...scenario.world };
  const random = mulberry32(SEED ^ ((job.set === 'null' ? 1 : job.set === 'without' ? 2 : 3) * 7919 + job.index * 104729));
  const times: number[] = [];
  for (let run = 0; run < scenario.runs; run++) {
    const judge = createComparativeJudge(scenario.judge);
    let rolledBack = Infinity;
    for (let t = 0; t < scenario.horizon && rolledBack === Infinity; t++) {
      const { batch } = trafficBatchFrom(second(random, world, t), { canary: CANARY, stable: STABLE }, scenario.warmUpMs ?? DEFAULT_WARM_UP_MS);
      if (judge.observe(batch).decision === 'fail') rolledBack = t + 1;
    }
    times.push(rolledBack);
  }
  return times;
}

async function simulateAll(jobs: Job[]): Promise<number[][]> {
  const cost = (job: Job) => scenarioOf(job).runs * scenarioOf(job).horizon;
  const queue = [...jobs].sort((a, b) => cost(b) - cost(a));
  const results: number[][] = [];
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  await Promise.all(
    Array.from({ length: WORKERS }, () =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(code, { eval: true });
        const next = () => {
          const job = queue.shift();
          if (job) worker.postMessage(job);
          else void worker.terminate().then(() => resolve());
        };
        worker.on('message', (message: { id: number; times: number[] }) => {
          results[message.id] = message.times;
          next();
        });
        worker.on('error', reject);
        worker.once('online', next);
      }),
    ),
  );
  return results;
}


export async function main(): Promise<void> {
  const started = performance.now();
  console.log(`\nbench/analysis-realistic: seed ${SEED} (BENCH_SEED), ${WORKERS} workers; ${BASE.totalRps} req/s, canary ${BASE.canaryShare * 100}% on ${BASE.canaryInstances} instance vs ${BASE.stableInstances}, 1% 5xx, lognormal latency median 20 ms`);
  console.log(`  samples go through the compare provider's trafficBatchFrom: pinned traffic and instances younger than warmUp (default ${DEFAULT_WARM_UP_MS / 1000} s) left out, routes compared one by one`);
  const only = new RegExp(process.env.BENCH_ONLY ?? '');
  const jobs: Job[] = [
    ...NULL_SCENARIOS.map((_, index) => ({ set: 'null' as const, index })),
    ...WITHOUT.map((_, index) => ({ set: 'without' as const, index })),
    ...REGRESSIONS.map((_, index) => ({ set: 'regression' as const, index })),
  ]
    .filter((job) => only.test(scenarioOf(job).name))
    .map((job, id) => ({ ...job, id }));
  const results = await simulateAll(jobs);

  let worstHigh = 0;
  let alarms = 0;
  let runs = 0;
  const nullRow = (job: Job) => {
    const scenario = scenarioOf(job);
    const times = results[job.id]!;
    const count = times.filter((t) => t !== Infinity).length;
    const { low, high } = clopperPearsonInterval(count, times.length);
    const first = count ? `${quantile(times, count / times.length / 2)}s` : '–';
    return { row: [scenario.name, String(times.length), `${count}`, `${percent(count / times.length)} [${percent(low)}, ${percent(high)}]`, first], count, high };
  };
  const nullRows = jobs.filter((job) => job.set === 'null').map((job) => {
    const { row, count, high } = nullRow(job);
    worstHigh = Math.max(worstHigh, high);
    alarms += count;
    runs += results[job.id]!.length;
    return row;
  });
  printTable(`Null scenarios (the canary runs stable's code), ${NULL_HORIZON_S} s each: false alarms [95% Clopper–Pearson]`, ['scenario', 'runs', 'alarms', 'false alarms', 'median first alarm'], nullRows);
  printTable('Without a defence (why it exists; not counted above)', ['scenario', 'runs', 'alarms', 'false alarms', 'median first alarm'], jobs.filter((job) => job.set === 'without').map((job) => nullRow(job).row));

  const medians = new Map<string, number>();
  const regressionRows = jobs.filter((job) => job.set === 'regression').map((job) => {
    const scenario = scenarioOf(job);
    const delays = results[job.id]!.map((t) => t - (scenario.onset ?? 0));
    const early = delays.filter((d) => d <= 0).length;
    const caught = delays.filter((d) => d > 0 && d !== Infinity).length;
    const median = quantile(delays, 0.5);
    medians.set(scenario.name, median);
    const show = (s: number) => (s === Infinity ? `>${scenario.horizon - (scenario.onset ?? 0)}s` : `${s}s`);
    return [scenario.name, String(delays.length), show(median), show(quantile(delays, 0.95)), percent(caught / delays.length), String(early)];
  });
  printTable('Regressions at 300 req/s: seconds from onset to rollback', ['regression', 'runs', 'median', 'p95', 'caught', 'alarms before onset'], regressionRows);

  const fromStart = medians.get('1% → 5% from the start') ?? Infinity;
  const afterLate = medians.get('1% → 5% from t = 120 s') ?? Infinity;
  const total = clopperPearsonInterval(alarms, runs);
  console.log(`\ntarget: null false alarms <= 1% each, upper 95% bound <= 2%: worst upper bound ${percent(worstHigh)} (${worstHigh <= 0.02 ? 'met' : 'NOT met'}); all null runs ${alarms}/${runs} = ${percent(alarms / runs)} [${percent(total.low)}, ${percent(total.high)}]`);
  console.log(`target: 1% → 5% median <= 12 s from the start: ${fromStart}s (${fromStart <= 12 ? 'met' : 'NOT met'}); <= 15 s after a late onset: ${afterLate}s (${afterLate <= 15 ? 'met' : 'NOT met'})`);
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (isMainThread) {
  if (import.meta.url === `file://${process.argv[1]}`) await main();
} else {
  parentPort?.on('message', (job: Job) => parentPort?.postMessage({ id: job.id, times: simulate(job) }));
}
