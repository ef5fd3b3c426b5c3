/**
 * What a sequential test says after a batch: `fail` when the evidence that
 * the canary is worse (beyond the margin) reached 1/alpha, `pass` when the
 * evidence that it is not worse reached 1/alpha, `continue` otherwise.
 */
export type Decision = 'fail' | 'pass' | 'continue';

/** The part every verdict has, whatever the metric. */
export interface VerdictEvidence {
  decision: Decision;
  /** The e-value against "the canary is not worse than the margin"; fail at `threshold`. */
  evidence: number;
  /** The e-value against "the canary is worse than the margin"; pass at `threshold`. */
  passEvidence: number;
  /** 1 / alpha: the e-value at which a decision is taken. */
  threshold: number;
  explanation: string;
}

/**
 * Fail is sticky, and beats pass: an e-process that once crossed 1/alpha has
 * rejected (Ville's inequality bounds the chance of EVER crossing), so later
 * data cannot take a fail back.
 */
export function decide(failed: boolean, passed: boolean): Decision {
  if (failed) return 'fail';
  return passed ? 'pass' : 'continue';
}

/** e^x for reporting, capped so it stays a finite JSON number. */
export function reportedEvidence(logEvidence: number): number {
  return Math.exp(Math.min(logEvidence, 700));
}

/** ln Σ wᵢ·e^xᵢ: the log e-value of a mixture of e-processes with weights summing to 1. */
export function logWeightedMeanExp(logs: readonly number[], weights: readonly number[]): number {
  let max = -Infinity;
  for (const value of logs) max = Math.max(max, value);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  logs.forEach((value, i) => (sum += (weights[i] ?? 0) * Math.exp(value - max)));
  return max + Math.log(sum);
}

/** ln of the plain mean of e^x: the equal-weight mixture. */
export function logMeanExp(logs: readonly number[]): number {
  return logWeightedMeanExp(logs, logs.map(() => 1 / logs.length));
}

/** The threshold 1/alpha, refusing an alpha that is not a probability. */
export function thresholdFor(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1 (0.01: a 1% chance of a false decision), got ${alpha}`);
  return 1 / alpha;
}

/**
 * The most one batch may add to a test's log evidence: `perSecond` nats for
 * each second the batch covers, plus `burst`. Capping each batch's e-value
 * keeps it an e-value (min(E, c) <= E), so the e-process stays valid; what
 * the cap buys is robustness: one odd second (an instance's hiccup, a burst of
 * retries) cannot decide alone, however extreme it looks under independence.
 */
export interface EvidenceCap {
  perSecond: number;
  burst: number;
}

/** The cap for a batch of `seconds`, in nats (Infinity without a cap). */
export function capFor(cap: EvidenceCap | false | undefined, seconds: number): number {
  return cap ? cap.perSecond * seconds + cap.burst : Infinity;
}
