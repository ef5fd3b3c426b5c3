/**
 * The statistics of canary analysis: anytime-valid sequential tests (safe to
 * check after every batch) and the small numeric helpers they and the
 * benchmark need. Pure functions and in-memory state; no I/O.
 */
export { createErrorRateTest } from './error-rate-test.ts';
export type { ErrorCounts, ErrorRateBatch, ErrorRateTest, ErrorRateTestOptions, ErrorRateVerdict, SideErrorRate } from './error-rate-test.ts';
export { createLatencyTest } from './latency-test.ts';
export type { LatencyBatch, LatencyTest, LatencyTestOptions, LatencyVerdict } from './latency-test.ts';
export type { LatencyQuantiles } from './latency-summary.ts';
export type { Decision, VerdictEvidence } from './verdict.ts';
export { closestNullRates, type ErrorMargin, type Rates } from './null-projection.ts';
export { createMeanBets, type MeanBets } from './betting.ts';
export { binomialCdf, binomialLogPmf, clopperPearsonInterval, type Interval } from './binomial.ts';
export { logChoose, logGamma } from './gamma.ts';
export { normalQuantile } from './normal.ts';
export { mulberry32, sampleBernoulli, sampleNormal, samplePoisson, type Random } from './random.ts';
