/**
 * `tsx bench/analysis.ts`: how fast the canary judge (anytime-valid
 * sequential tests, checked every second) catches a worse canary, and how
 * often it fails a healthy one, next to a Flagger-like check (a threshold on
 * the canary's metric over the last 60 s interval, rollback after 2 failed
 * checks) run on the SAME simulated request streams. A benchmark, not a
 * test: it prints figures and asserts nothing. Seeded: each (traffic,
 * scenario) has its own seed, so a run reproduces whatever the worker count.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { createComparativeJudge, type TrafficBatch } from '../src/analysis/judge/index.ts';
import { clopperPearsonInterval } from './stats/binomial.ts';
import { normalQuantile } from './stats/normal.ts';
import { mulberry32, samplePoisson, type Random } from './stats/random.ts';
import { percent, printTable, quantile } from './report.ts';

const SEED = Number(process.env.BENCH_SEED ?? 20261126);
const WORKERS = Math.max(1, Math.min(availableParallelism(), Number(process.env.BENCH_WORKERS ?? 2)));
const HORIZON_S = 300;
const CANARY_SHARE = 0.2;
const STABLE_ERROR_RATE = 0.01;
/** Lognormal latencies: median 20 ms, log-sd 0.5, so p99 = 20·e^(0.5·2.326) ≈ 64 ms. */
const LATENCY = { medianMs: 20, logSd: 0.5 };
const TRAFFIC = [
  { total: 50, effectRuns: 200, healthyRuns: 1000 },
  { total: 300, effectRuns: 200, healthyRuns: 1000 },
  { total: 1000, effectRuns: 100, healthyRuns: 300 },
];
const CANARY_ERROR_RATES = [0.015, 0.02, 0.03, 0.05, 0.1];
const CANARY_SLOWER_MS = [10, 25, 50];
/**
 * Flagger's analysis: every `interval` (1m) each metric is checked over the
 * last interval; a failing check increments status.failedChecks, which a
 * passing check does not reset, and the canary is rolled back when it
 * reaches `threshold` (pkg/controller/scheduler.go). 2 is quicker than the 5
 * of Flagger's docs examples, so this baseline is flattered, not handicapped.
 */
const FLAGGER = { intervalS: 60, threshold: 2 };
/** The alpha the judge gives its error-rate test (9/10 of 0.01), for the peeking z-test. */
const Z_TEST_ALPHA = 0.009;

/** Something that watches a canary second by second and may roll it back. */
interface Watcher {
  /** True when it would roll back after this second. */
  observe(second: number, batch: TrafficBatch): boolean;
}

/** A Flagger-like fixed-interval check of one canary statistic over the last interval. */
function flaggerLike(failsCheck: (interval: TrafficBatch['canary'][]) => boolean): Watcher {
  let interval: TrafficBatch['canary'][] = [];
  let failedChecks = 0;
  return {
    observe(second, batch) {
      interval.push(batch.canary);
      if (second % FLAGGER.intervalS !== 0) return false;
      if (failsCheck(interval)) failedChecks++;
      interval = [];
      return failedChecks >= FLAGGER.threshold;
    },
  };
}

const flaggerErrors = (limit: number) => () =>
  flaggerLike((interval) => {
    const requests = interval.reduce((sum, s) => sum + s.requests, 0);
    return requests > 0 && interval.reduce((sum, s) => sum + s.errors5xx, 0) / requests > limit;
  });

const flaggerP99 = (limitMs: number) => () =>
  flaggerLike((interval) => {
    const latencies = interval.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
    return latencies.length > 0 && (latencies[Math.ceil(0.99 * latencies.length) - 1] ?? 0) > limitMs;
  });

/**
 * The peeking mistake: a fixed-horizon one-sided z-test of
 * p_canary − 1.5·p_stable − 0.005 > 0 at the judge's per-metric alpha,
 * repeated every second on all data so far. One look is valid; 300 are not.
 */
function zTestEverySecond(): Watcher {
  const z = normalQuantile(1 - Z_TEST_ALPHA);
  const t = { cn: 0, ce: 0, sn: 0, se: 0 };
  return {
    observe(_second, batch) {
      t.cn += batch.canary.requests;
      t.ce += batch.canary.errors5xx;
      t.sn += batch.stable.requests;
      t.se += batch.stable.errors5xx;
      if (t.cn < 50 || t.sn < 50) return false;
      const pc = t.ce / t.cn;
      const ps = t.se / t.sn;
      const se = Math.sqrt((pc * (1 - pc)) / t.cn + (1.5 ** 2 * ps * (1 - ps)) / t.sn);
      return se > 0 && (pc - 1.5 * ps - 0.005) / se > z;
    },
  };
}

const METHODS = {
  judge: {
    name: 'cutover judge, every 1 s',
    create: (): Watcher => {
      const judge = createComparativeJudge();
      return { observe: (_second, batch) => judge.observe(batch).decision === 'fail' };
    },
  },
  flaggerErrors1: { name: 'Flagger-like errors <= 1%', create: flaggerErrors(0.01) }, // request-success-rate >= 99%, the docs' usual
  flaggerErrors2: { name: 'Flagger-like errors <= 2%', create: flaggerErrors(0.02) }, // tuned to the 1% baseline
  zTest: { name: 'z-test every 1 s (peeking)', create: zTestEverySecond },
  flaggerP99At100: { name: 'Flagger-like p99 <= 100 ms', create: flaggerP99(100) }, // a round number, ~1.5× healthy p99
  flaggerP99At70: { name: 'Flagger-like p99 <= 70 ms', create: flaggerP99(70) }, // healthy p99 + ~10%
} satisfies Record<string, { name: string; create: () => Watcher }>;
type MethodId = keyof typeof METHODS;
const ERROR_METHODS: MethodId[] = ['judge', 'flaggerErrors1', 'flaggerErrors2', 'zTest'];
const LATENCY_METHODS: MethodId[] = ['judge', 'flaggerP99At100', 'flaggerP99At70'];
const ALL_METHODS: MethodId[] = [...ERROR_METHODS, 'flaggerP99At100', 'flaggerP99At70'];

interface Scenario {
  canaryErrorRate: number;
  canarySlowerMs: number;
}
const HEALTHY: Scenario = { canaryErrorRate: STABLE_ERROR_RATE, canarySlowerMs: 0 };

/** One side's second of traffic. Box–Muller normals in pairs, both used. */
function side(random: Random, meanRequests: number, errorRate: number, slowerMs: number): TrafficBatch['canary'] {
  const requests = samplePoisson(random, meanRequests);
  const latenciesMs = new Array<number>(requests);
  let errors5xx = 0;
  for (let i = 0; i < requests; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    latenciesMs[i] = LATENCY.medianMs * Math.exp(LATENCY.logSd * radius * Math.cos(angle)) + slowerMs;
    if (i + 1 < requests) latenciesMs[i + 1] = LATENCY.medianMs * Math.exp(LATENCY.logSd * radius * Math.sin(angle)) + slowerMs;
  }
  for (let i = 0; i < requests; i++) if (random() < errorRate) errors5xx++;
  return { requests, errors5xx, latenciesMs };
}

interface Job {
  id: number;
  total: number;
  scenario: Scenario;
  methods: MethodId[];
  runs: number;
}

/** Seconds to rollback per method and run (Infinity: none within the horizon). A run stops once every method rolled back. */
function simulate(job: Job): number[][] {
  const { total, scenario, methods, runs } = job;
  const random = mulberry32(SEED ^ (total * 7919 + Math.round(scenario.canaryErrorRate * 1e4) * 104729 + scenario.canarySlowerMs * 15485863));
  const times = methods.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    const watchers = methods.map((id) => METHODS[id].create());
    const rolledBack = methods.map(() => Infinity);
    let watching = methods.length;
    for (let second = 1; second <= HORIZON_S && watching > 0; second++) {
      const batch: TrafficBatch = {
        canary: side(random, total * CANARY_SHARE, scenario.canaryErrorRate, scenario.canarySlowerMs),
        stable: side(random, total * (1 - CANARY_SHARE), STABLE_ERROR_RATE, 0),
      };
      watchers.forEach((watcher, i) => {
        if (rolledBack[i] === Infinity && watcher.observe(second, batch)) {
          rolledBack[i] = second;
          watching--;
        }
      });
    }
    rolledBack.forEach((t, i) => times[i]!.push(t));
  }
  return times;
}

/** Runs the jobs on worker threads (tsx registered in each), biggest first. */
async function simulateAll(jobs: Job[]): Promise<number[][][]> {
  const cost = (job: Job) => job.runs * job.total * (job.scenario === HEALTHY ? 2 : 1);
  const queue = [...jobs].sort((a, b) => cost(b) - cost(a));
  const results: number[][][] = [];
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
        worker.on('message', (message: { id: number; times: number[][] }) => {
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

const seconds = (t: number) => (t === Infinity ? `>${HORIZON_S}s` : `${t}s`);
const rolledBackShare = (times: number[]) => times.filter((t) => t <= HORIZON_S).length / times.length;
const detectionCell = (times: number[]) => `${seconds(quantile(times, 0.5))} / ${seconds(quantile(times, 0.95))} / ${percent(rolledBackShare(times))}`;
function falseAlarmCell(times: number[]): string {
  const alarms = times.filter((t) => t <= HORIZON_S).length;
  const { low, high } = clopperPearsonInterval(alarms, times.length);
  return `${percent(alarms / times.length)} [${percent(low)}, ${percent(high)}]`;
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`bench/analysis: seed ${SEED} (BENCH_SEED), ${WORKERS} workers (BENCH_WORKERS), horizon ${HORIZON_S} s, one batch per second, canary share ${CANARY_SHARE * 100}%`);
  console.log(`  stable: ${STABLE_ERROR_RATE * 100}% 5xx; latency lognormal, median ${LATENCY.medianMs} ms, log-sd ${LATENCY.logSd} (p99 ≈ ${(LATENCY.medianMs * Math.exp(LATENCY.logSd * normalQuantile(0.99))).toFixed(0)} ms); requests per second Poisson`);
  console.log(`  judge: defaults ${JSON.stringify(createComparativeJudge().options)}; alpha shared 9/10 error rate, 1/10 latency`);
  console.log(`  Flagger-like: check every ${FLAGGER.intervalS} s over the last interval, roll back at ${FLAGGER.threshold} failed checks (they accumulate)`);
  console.log('  cells: median / p95 seconds from the canary\'s first request to rollback / share rolled back within the horizon');
  console.log('  healthy rows (canary = stable): false alarms, the share rolled back within the horizon [95% Clopper–Pearson]');

  const jobs: Job[] = [];
  const add = (total: number, scenario: Scenario, methods: MethodId[], runs: number) => jobs.push({ id: jobs.length, total, scenario, methods, runs }) - 1;
  const plan = TRAFFIC.map(({ total, effectRuns, healthyRuns }) => ({
    total,
    effectRuns,
    healthyRuns,
    // Healthy runs feed every method at once: the same streams for both tables.
    healthy: add(total, HEALTHY, ALL_METHODS, healthyRuns),
    errors: CANARY_ERROR_RATES.map((rate) => add(total, { canaryErrorRate: rate, canarySlowerMs: 0 }, ERROR_METHODS, effectRuns)),
    latency: CANARY_SLOWER_MS.map((ms) => add(total, { canaryErrorRate: STABLE_ERROR_RATE, canarySlowerMs: ms }, LATENCY_METHODS, effectRuns)),
  }));
  const results = await simulateAll(jobs);

  const errorRows: string[][] = [];
  const latencyRows: string[][] = [];
  let target = '';
  for (const level of plan) {
    const traffic = `${level.total} (${level.total * CANARY_SHARE} canary)`;
    const healthy = results[level.healthy]!;
    const healthyOf = (methods: MethodId[]) => methods.map((id) => healthy[ALL_METHODS.indexOf(id)]!);
    errorRows.push([traffic, '1% (healthy)', String(level.healthyRuns), ...healthyOf(ERROR_METHODS).map(falseAlarmCell), '']);
    level.errors.forEach((job, i) => {
      const rate = CANARY_ERROR_RATES[i]!;
      const times = results[job]!;
      const judgeMedian = quantile(times[0]!, 0.5);
      const speedup = quantile(times[2]!, 0.5) / judgeMedian;
      const label = rate === 0.015 ? '1.5% (within margin)' : rate === 0.02 ? '2% (the margin)' : `${rate * 100}%`;
      errorRows.push([traffic, label, String(level.effectRuns), ...times.map(detectionCell), Number.isFinite(speedup) && speedup > 0 ? `${speedup.toFixed(0)}×` : '']);
      if (level.total === 300 && rate === 0.05) {
        const falseAlarms = rolledBackShare(healthy[0]!);
        target = `target, 1% vs 5% at 300 req/s: judge median ${seconds(judgeMedian)} (<= 10 s: ${judgeMedian <= 10 ? 'met' : 'NOT met'}) over ${level.effectRuns} runs; false alarms ${percent(falseAlarms)} over ${level.healthyRuns} healthy runs (<= 1%: ${falseAlarms <= 0.01 ? 'met' : 'NOT met'})`;
      }
    });
    latencyRows.push([traffic, '+0 ms (healthy)', String(level.healthyRuns), ...healthyOf(LATENCY_METHODS).map(falseAlarmCell)]);
    level.latency.forEach((job, i) => {
      const ms = CANARY_SLOWER_MS[i]!;
      latencyRows.push([traffic, ms === 10 ? '+10 ms (the tolerance)' : `+${ms} ms`, String(level.effectRuns), ...results[job]!.map(detectionCell)]);
    });
  }
  const names = (ids: MethodId[]) => ids.map((id) => METHODS[id].name);
  printTable('Error rate (stable 1% 5xx; canary latency = stable)', ['req/s total', 'canary 5xx', 'runs', ...names(ERROR_METHODS), 'Flagger 2% p50 ÷ judge p50'], errorRows);
  console.log("  The judge's margin is 1.5 × stable + 0.5 pp = 2%: it is built not to fail 1.5%, and to fail 2% at most 0.9% of the time (its error-rate alpha);");
  console.log("  on the 2% row, the z-test's rollbacks are false alarms at that same alpha of 0.9%: peeking every second multiplies them.");
  printTable('Latency (stable lognormal median 20 ms; canary shifted; 1% 5xx on both)', ['req/s total', 'canary', 'runs', ...names(LATENCY_METHODS)], latencyRows);
  console.log("  The judge's tolerance is max(10%, 10 ms): it is built not to fail +10 ms, and fails larger shifts.");
  console.log(`\n${target}`);
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (isMainThread) {
  await main();
} else {
  parentPort?.on('message', (job: Job) => parentPort?.postMessage({ id: job.id, times: simulate(job) }));
}
