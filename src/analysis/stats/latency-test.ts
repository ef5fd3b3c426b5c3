import { createMeanBets } from './betting.ts';
import { createLatencySummary, type LatencyQuantiles } from './latency-summary.ts';
import { RecentWindow } from './recent-window.ts';
import { capFor, decide, logWeightedMeanExp, thresholdFor, reportedEvidence, type EvidenceCap, type VerdictEvidence } from './verdict.ts';

/**
 * An anytime-valid test of "a canary request is more likely than not to be
 * slower than a stable one by more than the tolerance": the Mann–Whitney
 * comparison Kayenta's judge makes once at the end of an interval (a U test
 * with an `effectSize.allowedIncrease`; Mann & Whitney 1947, Kayenta by
 * Netflix and Google 2018), made safe to check after every batch.
 *
 * The quantity tested is θ = P(C > τ(S)) + ½·P(C = τ(S)) for a random
 * canary latency C and stable latency S, where
 * τ(s) = s + max(tolerance·s, minDeltaMs): "slower" means slower by both
 * 10% and 10 ms with the defaults. If the canary is no slower than stable
 * (even by up to the tolerance), θ <= ½. Fail when θ > ½ is credible.
 *
 * Each batch is cut into disjoint groups: one sample of the smaller side with
 * an equal share of the larger side's samples. A group's score, the share of
 * its canary-stable pairs where the canary is slower beyond τ, lies in [0, 1]
 * with mean θ, independently of the other groups; scores are fed to a
 * betting e-process for a bounded mean (betting.ts). Every stable sample is
 * used, and because groups never mix batches, the test stays valid when
 * latency drifts over time for both sides alike (load, time of day): it only
 * needs θ <= ½ within each batch under the null.
 *
 * Two bettors share the evidence to fail (half each): the grid of fixed
 * bets from the start (betting.ts), and a recent-window bettor that bets
 * λ = (θ̂ − ½)/(v̂ + (θ̂ − ½)²), clipped to [0, 1], with θ̂ and v̂ the mean and
 * variance of the group scores of the last RECENT_S seconds (the "aGRAPA"
 * predictable bet of Waudby-Smith & Ramdas). A healthy canary has θ well
 * below ½ (the tolerance sees to that), so the grid loses steadily and would
 * need minutes to recover if the canary got slower later; the recent bettor
 * bets nothing while the recent canary is not slower, so a late regression
 * is caught about as fast as an early one. Each batch's factor is capped
 * (EvidenceCap). With routes (strata), groups are formed within a route, so
 * a canary is compared with stable requests to the same route; under the
 * null (no route slower), every group's mean is still <= ½.
 *
 * Assumptions: within a batch and a route, latencies are independent given
 * the past (both sides may drift together). A canary instance whose latency
 * level wanders, or one that is only cold, breaks this: the cap and the
 * warm-up rule (the compare provider) are what keep those from failing it.
 *
 * "pass" is the mirror test: credible evidence that θ < ½.
 */

export interface LatencyTestOptions {
  /** The chance of a false fail (and, separately, of a false pass). @default 0.01 */
  alpha?: number;
  /** A canary request counts as slower when slower by more than this share of the stable one… @default 0.1 */
  tolerance?: number;
  /** … and by more than this many milliseconds. @default 10 */
  minDeltaMs?: number;
  /** The most one batch adds to the evidence to fail; false for no cap. @default DEFAULT_LATENCY_CAP */
  evidenceCap?: EvidenceCap | false;
}

/** One route's latencies on each side. */
export interface LatencyStratum {
  key: string;
  canary: readonly number[];
  stable: readonly number[];
}

/** One period's latencies on each side, in milliseconds. */
export interface LatencyBatch {
  canary: readonly number[];
  stable: readonly number[];
  /** The same latencies by route; canary requests are compared with stable ones to the same route. */
  strata?: readonly LatencyStratum[];
  /** How many seconds the batch covers. @default 1 */
  seconds?: number;
}

/** Not tuned as finely as the error rate's: with it, `npm run bench:analysis` shows no latency false alarm in its null scenarios and +25 ms caught in 5 s. */
export const DEFAULT_LATENCY_CAP: EvidenceCap = { perSecond: 3, burst: 2 };
const GRID_SHARE = 0.5;
const RECENT_S = 5;
const LARGEST_RECENT_BET = 1;

export interface LatencyVerdict extends VerdictEvidence {
  metric: 'latency';
  canary: LatencyQuantiles;
  stable: LatencyQuantiles;
  /** Estimated θ: the chance a canary request is slower than a stable one beyond the tolerance. Fail is about θ > ½. */
  slowerShare: number;
}

export interface LatencyTest {
  update(batch: LatencyBatch): LatencyVerdict;
  verdict(): LatencyVerdict;
}

export function createLatencyTest(options: LatencyTestOptions = {}): LatencyTest {
  const alpha = options.alpha ?? 0.01;
  const tolerance = options.tolerance ?? 0.1;
  const minDeltaMs = options.minDeltaMs ?? 10;
  const cap = options.evidenceCap === undefined ? DEFAULT_LATENCY_CAP : options.evidenceCap;
  const threshold = thresholdFor(alpha);
  const slower = createMeanBets(0.5, 'above');
  const recentScores = new RecentWindow<{ sum: number; squares: number; count: number }>(RECENT_S);
  let recentLog = 0;
  const logFailEvidence = () => logWeightedMeanExp([slower.logEvidence(), recentLog], [GRID_SHARE, 1 - GRID_SHARE]);
  const notSlower = createMeanBets(0.5, 'below');
  const summaries = { canary: createLatencySummary(), stable: createLatencySummary() };
  const limit = (stableMs: number) => stableMs + Math.max(tolerance * stableMs, minDeltaMs);
  let scoreSum = 0;
  let groups = 0;
  let failed = false;
  let passed = false;

  const verdict = (): LatencyVerdict => {
    const logEvidence = logFailEvidence();
    const logPassEvidence = notSlower.logEvidence();
    const decision = decide(failed, passed);
    const slowerShare = groups > 0 ? scoreSum / groups : 0;
    const canary = summaries.canary.quantiles();
    const stable = summaries.stable.quantiles();
    return {
      metric: 'latency',
      decision,
      evidence: reportedEvidence(logEvidence),
      passEvidence: reportedEvidence(logPassEvidence),
      threshold,
      canary,
      stable,
      slowerShare,
      explanation: explain(decision, canary, stable, slowerShare, { tolerance, minDeltaMs }, reportedEvidence(logEvidence), reportedEvidence(logPassEvidence), threshold),
    };
  };

  return {
    update(batch) {
      checkLatencies(batch);
      const tally = new Map<number, number>();
      for (const stratum of batch.strata ?? [batch]) for (const [score, count] of groupScores(stratum, limit)) tally.set(score, (tally.get(score) ?? 0) + count);
      const most = capFor(cap, batch.seconds ?? 1);
      slower.observeBatch(tally, most);
      // The recent bettor's λ comes from earlier batches only: a predictable bet.
      const recent = recentScores.values().reduce((sum, r) => ({ sum: sum.sum + r.sum, squares: sum.squares + r.squares, count: sum.count + r.count }), { sum: 0, squares: 0, count: 0 });
      if (recent.count > 0) {
        const mean = recent.sum / recent.count;
        const variance = Math.max(recent.squares / recent.count - mean * mean, 0);
        const edge = mean - 0.5;
        const bet = edge > 0 ? Math.min(edge / (variance + edge * edge), LARGEST_RECENT_BET) : 0;
        if (bet > 0) {
          let gain = 0;
          for (const [score, count] of tally) gain += count * Math.log1p(bet * (score - 0.5));
          recentLog += Math.min(gain, most);
        }
      }
      const window = { sum: 0, squares: 0, count: 0 };
      for (const [score, count] of tally) {
        notSlower.observe(score, count);
        scoreSum += score * count;
        groups += count;
        window.sum += score * count;
        window.squares += score * score * count;
        window.count += count;
      }
      recentScores.add(batch.seconds ?? 1, window);
      summaries.canary.add(batch.canary);
      summaries.stable.add(batch.stable);
      failed ||= logFailEvidence() >= Math.log(threshold);
      passed ||= notSlower.logEvidence() >= Math.log(threshold);
      return verdict();
    },
    verdict,
  };
}

function checkLatencies(batch: LatencyBatch): void {
  for (const name of ['canary', 'stable'] as const) {
    const bad = batch[name].find((ms) => !(ms >= 0 && ms < Infinity));
    if (bad !== undefined) throw new RangeError(`${name} latencies must be finite milliseconds >= 0; got ${bad}`);
  }
}

/**
 * The scores of one batch's groups, tallied by value (scores repeat a lot,
 * and the bets only need how often each occurs).
 */
export function groupScores(batch: { canary: readonly number[]; stable: readonly number[] }, limit: (stableMs: number) => number): Map<number, number> {
  const { canary, stable } = batch;
  const tally = new Map<number, number>();
  const groups = Math.min(canary.length, stable.length);
  if (groups === 0) return tally;
  const canaryIsSmaller = canary.length <= stable.length;
  const larger = canaryIsSmaller ? stable : canary;
  const base = Math.floor(larger.length / groups);
  const extra = larger.length % groups;
  let next = 0;
  for (let g = 0; g < groups; g++) {
    const size = base + (g < extra ? 1 : 0);
    let points = 0;
    for (let k = next; k < next + size; k++) {
      const c = canaryIsSmaller ? canary[g]! : larger[k]!;
      const s = canaryIsSmaller ? larger[k]! : stable[g]!;
      const bar = limit(s);
      points += c > bar ? 2 : c === bar ? 1 : 0;
    }
    next += size;
    const score = points / (2 * size);
    tally.set(score, (tally.get(score) ?? 0) + 1);
  }
  return tally;
}

function explain(
  decision: LatencyVerdict['decision'],
  canary: LatencyQuantiles,
  stable: LatencyQuantiles,
  slowerShare: number,
  margin: { tolerance: number; minDeltaMs: number },
  evidence: number,
  passEvidence: number,
  threshold: number,
): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const sides = `canary p50 ${ms(canary.p50)} p99 ${ms(canary.p99)} (n ${canary.n}) vs stable p50 ${ms(stable.p50)} p99 ${ms(stable.p99)} (n ${stable.n})`;
  const slowerThan = `slower than stable by more than ${Math.round(margin.tolerance * 100)}% and ${margin.minDeltaMs} ms`;
  const share = `${(slowerShare * 100).toFixed(0)}% of comparisons`;
  switch (decision) {
    case 'fail':
      return `${sides}: canary requests are credibly more often than not ${slowerThan} (${share}; evidence reached ${threshold.toFixed(0)})`;
    case 'pass':
      return `${sides}: canary requests are credibly not usually ${slowerThan} (${share}; evidence ${passEvidence.toPrecision(3)} reached ${threshold.toFixed(0)})`;
    case 'continue':
      return `${sides}: ${share} ${slowerThan}; not enough evidence yet (evidence ${evidence.toPrecision(3)} of ${threshold.toFixed(0)} to fail, ${passEvidence.toPrecision(3)} to pass)`;
    default: {
      const never: never = decision;
      return never;
    }
  }
}
