import { logChoose } from './gamma.ts';

/** ln P(X = k) for X ~ Binomial(n, p). */
export function binomialLogPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return -Infinity;
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** P(X <= k) for X ~ Binomial(n, p), by summing the terms (exact; n up to ~1e5 is quick). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(binomialLogPmf(i, n, p));
  return Math.min(1, sum);
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * The Clopper–Pearson "exact" interval for a proportion (Clopper & Pearson,
 * Biometrika 1934): the rates p whose binomial tails at `successes` are both
 * above (1 - confidence) / 2. Conservative, so a false-alarm rate reported
 * with it is never flattered. Solved by bisection on the exact binomial CDF.
 */
export function clopperPearsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials || trials < 1) {
    throw new RangeError(`clopperPearsonInterval needs integers 0 <= successes <= trials, trials >= 1; got ${successes}/${trials}`);
  }
  const tail = (1 - confidence) / 2;
  // P(X >= successes; p) grows with p: the low end is where it reaches `tail`.
  const low = successes === 0 ? 0 : bisect((p) => 1 - binomialCdf(successes - 1, trials, p) < tail);
  // P(X <= successes; p) shrinks with p: the high end is where it falls to `tail`.
  const high = successes === trials ? 1 : bisect((p) => binomialCdf(successes, trials, p) > tail);
  return { low, high };
}

/** The point in [0, 1] where `below` turns from true to false. */
function bisect(below: (p: number) => boolean): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (below(mid)) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
