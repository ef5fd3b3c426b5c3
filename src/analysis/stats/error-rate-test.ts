import { batchLogLikelihoodRatio, closestNullRates, type ErrorMargin, type Rates } from './null-projection.ts';
import { RecentWindow } from './recent-window.ts';
import { capFor, decide, thresholdFor, logWeightedMeanExp, reportedEvidence, type EvidenceCap, type VerdictEvidence } from './verdict.ts';

/**
 * An anytime-valid test of "the canary's error rate is above
 * ratio × stable's + delta", checked after every batch.
 *
 * Method: an e-process built from per-batch likelihood ratios against the
 * closest null point (see null-projection.ts), so no supremum over the
 * unknown stable rate is paid. The alternative of each batch is predictable
 * (chosen before the batch is seen): the stable rate is estimated from the
 * last STABLE_WINDOW_S seconds, (x + ½)/(n + 1), and the canary rate is a
 * multiple of the null boundary at that estimate. Two bettors share the
 * evidence (half each):
 * - from the start, a grid of fixed multiples (the first seconds'
 *   detection: it bets from the first batch);
 * - a recent-window bettor whose multiple is the canary's errors over the
 *   last RECENT_S seconds divided by what the boundary allows, and which
 *   does not bet while that is at most 1. Because it only bets once the
 *   recent canary looks worse, it loses next to nothing over minutes of
 *   healthy traffic, and a regression that starts late is caught about as
 *   fast as one present from the start (the grid's evidence, by then far
 *   below 1, would need minutes). It restarts itself, and it costs one
 *   halving of the evidence (ln 2 ≈ 0.7 nats), where a mixture over start
 *   times every 12 s over 5 minutes would cost ln 25 ≈ 3.2 nats plus the
 *   wait for the next start.
 * Each batch's factor is capped (EvidenceCap in verdict.ts). With routes
 * (strata), the batch's factor is the product over routes of each route's
 * likelihood ratio, each against its own stable rate: the null is "no route
 * is worse", and a canary that merely receives more of a flaky route is not
 * worse. The e-value is a fixed-weight mixture of those products
 * (a mixture of test martingales is one; Shafer & Vovk, "Game-Theoretic
 * Foundations for Probability and Finance", 2019; "diversified" betting as
 * in Waudby-Smith & Ramdas, JRSS B 2024). By Ville's inequality the chance it
 * EVER reaches 1/alpha under the null is at most alpha, however often it is
 * looked at (Ramdas et al., "Game-theoretic statistics and safe anytime-valid
 * inference", Statistical Science 2023).
 *
 * Why this and not the alternatives: a lower confidence sequence for the
 * canary rate above ratio × an upper one for stable + delta (alpha/2 each)
 * needs both intervals tight at once; a universal-inference test (mixture
 * over both rates against the null maximum likelihood; Wasserman, Ramdas &
 * Balakrishnan, PNAS 2020) pays ~½ ln n for the stable rate it does not care
 * about. Simulated at 1% vs 5%, 60 vs 240 req/s, alpha 0.005-0.0075, median
 * time to fail: beta-binomial confidence sequences 28 s, universal inference
 * 15-18 s (by prior), this test 9-10 s.
 *
 * Assumptions: within a batch and a route, requests are independent given the
 * past (the rates may drift from batch to batch, both sides alike), and which
 * side serves a request does not depend on whether it fails (true for
 * weighted routing; not for pinned clients, which the compare provider
 * leaves out). Overdispersion (an instance's hiccup, retries landing on one
 * side) breaks independence: the cap bounds what one batch can add, which
 * the benchmark shows is enough in practice, but it is not covered by the
 * guarantee.
 *
 * "pass" is the mirror test (null: the canary IS worse by the margin) with
 * multiples below the boundary; it means the canary is credibly within the
 * margin. The fail test keeps watching after a pass, and a fail still wins.
 */

export interface ErrorRateTestOptions {
  /** The chance of a false fail (and, separately, of a false pass). @default 0.01 */
  alpha?: number;
  /** Canary error rate may be up to `ratio` × stable's … @default 1.5 */
  ratio?: number;
  /** … plus `delta` (a rate: 0.005 is half a percentage point). @default 0.005 */
  delta?: number;
  /** The most one batch adds to the evidence to fail; false for no cap. @default DEFAULT_ERROR_RATE_CAP */
  evidenceCap?: EvidenceCap | false;
}

export interface ErrorCounts {
  requests: number;
  errors: number;
}

/** One route's requests and errors on each side. */
export interface ErrorRateStratum {
  key: string;
  canary: ErrorCounts;
  stable: ErrorCounts;
}

/** One period's requests and errors on each side (the same period for both). */
export interface ErrorRateBatch {
  canary: ErrorCounts;
  stable: ErrorCounts;
  /** The same counts by route; each route is compared with itself. Without it, the whole batch is one route. */
  strata?: readonly ErrorRateStratum[];
  /** How many seconds the batch covers. @default 1 */
  seconds?: number;
}

export interface SideErrorRate {
  rate: number;
  n: number;
  errors: number;
}

export interface ErrorRateVerdict extends VerdictEvidence {
  metric: 'errorRate';
  canary: SideErrorRate;
  stable: SideErrorRate;
}

export interface ErrorRateTest {
  /** Adds one batch and answers the verdict on everything seen so far. */
  update(batch: ErrorRateBatch): ErrorRateVerdict;
  /** The verdict on everything seen so far. */
  verdict(): ErrorRateVerdict;
}

// Canary rates the fail test bets on, as multiples of the null boundary
// ratio·p̂_stable + delta, from "just above" to "an outage", with prior
// weights. The weights favour 2-3×: a canary that bad is the usual
// regression and should be caught in seconds; much worse ones are caught in
// a few seconds whatever their weight, and barely-worse ones take minutes
// anyway. (A component's weight w costs ln(1/w) nats of evidence.)
// The pass test bets on rates below the boundary, equally weighted.
const WORSE_MULTIPLES = [1.25, 1.5, 2, 3, 4, 6, 10];
const WORSE_WEIGHTS = [1, 1, 2, 2, 1, 1, 1].map((w, _, all) => w / all.reduce((a, b) => a + b, 0));
const BETTER_MULTIPLES = [0.8, 0.6, 0.4, 0.2];
const BETTER_WEIGHTS = BETTER_MULTIPLES.map(() => 1 / BETTER_MULTIPLES.length);
const MAX_RATE = 0.999;
/** The evidence to fail is shared: this much to the grid from the start, the rest to the recent-window bettor. */
const GRID_SHARE = 0.5;
/** Seconds of both sides' errors the recent-window bettor estimates its multiple and stable's rates from. */
const RECENT_S = 5;
/** Seconds of stable traffic the stable rate is estimated from: long enough to be precise, short enough to forget an incident. */
const STABLE_WINDOW_S = 30;
/** A route's stable rate leans on the pooled one as if this many pooled requests were its own (routes can be sparse). */
const ROUTE_PRIOR_REQUESTS = 50;
const LARGEST_RECENT_MULTIPLE = 10;
/**
 * Chosen with `npm run bench:analysis` (see the README): with 1.3 + 1.7, a client's retries clustered on one side
 * falsely failed 3 of 400 canaries (upper 95% bound 2.2%); with 1.2 + 1.5, 1 of 400 (1.4%), while 1% → 5% still
 * fails in a median of 12 s from the first request and 15 s after a late onset; 1.0 + 1.5 made that 13 s.
 */
export const DEFAULT_ERROR_RATE_CAP: EvidenceCap = { perSecond: 1.2, burst: 1.5 };

export function createErrorRateTest(options: ErrorRateTestOptions = {}): ErrorRateTest {
  const alpha = options.alpha ?? 0.01;
  const margin: ErrorMargin = { ratio: options.ratio ?? 1.5, delta: options.delta ?? 0.005 };
  const cap = options.evidenceCap === undefined ? DEFAULT_ERROR_RATE_CAP : options.evidenceCap;
  if (!(margin.ratio > 0 && margin.delta >= 0 && margin.delta < 1)) throw new RangeError(`the margin needs ratio > 0 and 0 <= delta < 1, got ratio ${margin.ratio}, delta ${margin.delta}`);
  const threshold = thresholdFor(alpha);
  const totals = { canary: { requests: 0, errors: 0 }, stable: { requests: 0, errors: 0 } };
  const stableWindow = new RecentWindow<ErrorRateStratum[]>(STABLE_WINDOW_S);
  // The recent bettor compares the canary's last seconds with stable's same
  // seconds: during a shared incident both rise together and it does not bet.
  const recentWindow = new RecentWindow<ErrorRateStratum[]>(RECENT_S);
  const worseLogs = WORSE_MULTIPLES.map(() => 0);
  let recentLog = 0;
  const betterLogs = BETTER_MULTIPLES.map(() => 0);
  let failed = false;
  let passed = false;

  const logFailEvidence = () => logWeightedMeanExp([logWeightedMeanExp(worseLogs, WORSE_WEIGHTS), recentLog], [GRID_SHARE, 1 - GRID_SHARE]);
  const logPassEvidence = () => logWeightedMeanExp(betterLogs, BETTER_WEIGHTS);

  /** Each route's stable rate over a window, leaning on the pooled rate where the route is sparse. */
  const stableRates = (window: RecentWindow<ErrorRateStratum[]>): Map<string, number> | undefined => {
    if (window.size === 0) return undefined;
    const byRoute = new Map<string, ErrorCounts>();
    const pooled = { requests: 0, errors: 0 };
    for (const strata of window.values()) {
      for (const { key, stable } of strata) {
        const counts = byRoute.get(key) ?? { requests: 0, errors: 0 };
        counts.requests += stable.requests;
        counts.errors += stable.errors;
        byRoute.set(key, counts);
        pooled.requests += stable.requests;
        pooled.errors += stable.errors;
      }
    }
    const pooledRate = (pooled.errors + 0.5) / (pooled.requests + 1);
    const rates = new Map<string, number>();
    for (const [key, counts] of byRoute) rates.set(key, (counts.errors + ROUTE_PRIOR_REQUESTS * pooledRate) / (counts.requests + ROUTE_PRIOR_REQUESTS));
    rates.set('', rates.get('') ?? pooledRate);
    return rates;
  };

  /** ln LR of the batch for a canary at `multiple` × each route's boundary: the product over routes. */
  const logRatio = (strata: readonly ErrorRateStratum[], rates: Map<string, number>, multiple: number): number => {
    let sum = 0;
    for (const stratum of strata) {
      const stable = rates.get(stratum.key) ?? rates.get('')!;
      const bound = margin.ratio * stable + margin.delta;
      const alternative = { canary: Math.min(multiple * bound, MAX_RATE), stable };
      const requests: Rates = { canary: stratum.canary.requests, stable: stratum.stable.requests };
      const nullRates = closestNullRates(alternative, requests, margin);
      if (nullRates) sum += batchLogLikelihoodRatio(stratum, alternative, nullRates);
    }
    return sum;
  };

  const verdict = (): ErrorRateVerdict => {
    const side = (counts: ErrorCounts): SideErrorRate => ({
      rate: counts.requests > 0 ? counts.errors / counts.requests : 0,
      n: counts.requests,
      errors: counts.errors,
    });
    const canary = side(totals.canary);
    const stable = side(totals.stable);
    const decision = decide(failed, passed);
    const evidence = reportedEvidence(logFailEvidence());
    const passEvidence = reportedEvidence(logPassEvidence());
    return {
      metric: 'errorRate',
      decision,
      evidence,
      passEvidence,
      threshold,
      canary,
      stable,
      explanation: explain(decision, canary, stable, margin, evidence, passEvidence, threshold),
    };
  };

  return {
    update(batch) {
      checkBatch(batch);
      const strata = batch.strata ?? [{ key: '', canary: batch.canary, stable: batch.stable }];
      const seconds = batch.seconds ?? 1;
      // Every estimate below comes from earlier batches only, so each factor
      // is a conditional e-value given the past.
      const rates = stableRates(stableWindow);
      const recentRates = stableRates(recentWindow);
      const most = capFor(cap, seconds);
      if (rates) {
        WORSE_MULTIPLES.forEach((multiple, i) => (worseLogs[i] = (worseLogs[i] ?? 0) + Math.min(most, logRatio(strata, rates, multiple))));
        BETTER_MULTIPLES.forEach((multiple, i) => (betterLogs[i] = (betterLogs[i] ?? 0) + logRatio(strata, rates, multiple)));
      }
      if (recentRates) {
        // The canary's recent errors over what the margin allows on the same routes: above 1, it looks worse lately.
        let errors = 0;
        let allowed = 0;
        const seconds = recentWindow.values().map((past) => {
          let e = 0;
          let a = 0;
          for (const stratum of past) {
            e += stratum.canary.errors;
            a += stratum.canary.requests * (margin.ratio * (recentRates.get(stratum.key) ?? recentRates.get('')!) + margin.delta);
          }
          return { errors: e, allowed: a };
        });
        // One odd second (an instance's hiccup) is left out: a regression shows in every second.
        if (seconds.length >= 3) seconds.splice(seconds.reduce((worst, s, i) => (s.errors - s.allowed > seconds[worst]!.errors - seconds[worst]!.allowed ? i : worst), 0), 1);
        for (const s of seconds) {
          errors += s.errors;
          allowed += s.allowed;
        }
        const multiple = allowed > 0 ? Math.min((errors + 0.5) / (allowed + 0.5), LARGEST_RECENT_MULTIPLE) : 0;
        if (multiple > 1) recentLog += Math.min(most, logRatio(strata, recentRates, multiple));
      }
      recentWindow.add(seconds, strata.map((s) => ({ key: s.key, canary: s.canary, stable: s.stable })));
      stableWindow.add(seconds, strata.map((s) => ({ key: s.key, canary: s.canary, stable: s.stable })));
      for (const name of ['canary', 'stable'] as const) {
        totals[name].requests += batch[name].requests;
        totals[name].errors += batch[name].errors;
      }
      failed ||= logFailEvidence() >= Math.log(threshold);
      passed ||= logPassEvidence() >= Math.log(threshold);
      return verdict();
    },
    verdict,
  };
}

function checkBatch(batch: ErrorRateBatch): void {
  const seconds = batch.seconds ?? 1;
  if (!(seconds > 0 && seconds < Infinity)) throw new RangeError(`seconds must be above 0, got ${seconds}`);
  for (const [name, counts] of [['canary', batch.canary], ['stable', batch.stable], ...(batch.strata ?? []).flatMap((s) => [[`${s.key}.canary`, s.canary], [`${s.key}.stable`, s.stable]] as const)] as const) {
    const { requests, errors } = counts;
    if (!Number.isInteger(requests) || !Number.isInteger(errors) || requests < 0 || errors < 0) {
      throw new RangeError(`${name}.requests and ${name}.errors must be whole numbers >= 0; got ${requests} and ${errors}`);
    }
    if (errors > requests) throw new RangeError(`${name}.errors (${errors}) is more than ${name}.requests (${requests}); count each failed request once`);
  }
}

function explain(
  decision: ErrorRateVerdict['decision'],
  canary: SideErrorRate,
  stable: SideErrorRate,
  margin: ErrorMargin,
  evidence: number,
  passEvidence: number,
  threshold: number,
): string {
  const percent = (rate: number) => `${(rate * 100).toFixed(2)}%`;
  const rates = `canary ${percent(canary.rate)} errors (${canary.errors}/${canary.n}) vs stable ${percent(stable.rate)} (${stable.errors}/${stable.n})`;
  const limit = `${margin.ratio} × stable + ${(margin.delta * 100).toFixed(2)} pp`;
  switch (decision) {
    case 'fail':
      return `${rates}: the canary's error rate is credibly above ${limit} (evidence reached ${threshold.toFixed(0)})`;
    case 'pass':
      return `${rates}: the canary's error rate is credibly within ${limit} (evidence ${passEvidence.toPrecision(3)} reached ${threshold.toFixed(0)})`;
    case 'continue':
      return `${rates}: not enough evidence yet either way about ${limit} (evidence ${evidence.toPrecision(3)} of ${threshold.toFixed(0)} to fail, ${passEvidence.toPrecision(3)} to pass)`;
    default: {
      const never: never = decision;
      return never;
    }
  }
}
