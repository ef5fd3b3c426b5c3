/**
 * The load generator: steady, open-loop HTTP traffic and what it saw. Used by
 * the demo, the benchmark and the integration tests, so it ships in src/.
 */
export { startLoad } from './open-loop.ts';
export { lastVersions, percentile } from './figures.ts';
export type { FailureSample, LoadOptions, LoadReport, LoadRun, ResponseRecord } from './types.ts';
