/**
 * The statistics of canary analysis: anytime-valid sequential tests (safe to
 * check after every batch). Pure functions and in-memory state; no I/O. The
 * benchmark's own statistics (intervals, quantiles, seeded sampling) are in
 * bench/stats/.
 */
export { createErrorRateTest } from './error-rate-test.ts';
export { DEFAULT_ERROR_RATE_CAP } from './error-rate-test.ts';
export type { ErrorCounts, ErrorRateBatch, ErrorRateStratum, ErrorRateTest, ErrorRateTestOptions, ErrorRateVerdict, SideErrorRate } from './error-rate-test.ts';
export { createLatencyTest } from './latency-test.ts';
export { DEFAULT_LATENCY_CAP } from './latency-test.ts';
export type { LatencyBatch, LatencyStratum, LatencyTest, LatencyTestOptions, LatencyVerdict } from './latency-test.ts';
export type { LatencyQuantiles } from './latency-summary.ts';
export type { Decision, EvidenceCap, VerdictEvidence } from './verdict.ts';
export { closestNullRates, type ErrorMargin, type Rates } from './null-projection.ts';
export { createMeanBets, type MeanBets } from './betting.ts';
