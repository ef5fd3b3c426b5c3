/** The built-in data-plane router: its own process, a reverse proxy splitting traffic between revisions. */
export { runRouter } from './run-router.ts';
export type { RouterOptions, RunningRouter } from './run-router.ts';
export { validateRouterConfig } from './config.ts';
export { loadRouterConfig, saveRouterConfig } from './state-file.ts';
export { LATENCY_BUCKETS_MS, latencyQuantile } from './histogram.ts';
export { PIN_HEADER } from './routing-table.ts';
export { createRouterLogger, silentLogger } from './log.ts';
export type { RouterLogger } from './log.ts';
export { TrafficStats } from './stats.ts';
export { routeKey } from './route-key.ts';
export { emptyLatency, observeLatency } from './histogram.ts';
