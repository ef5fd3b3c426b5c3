/** The built-in router as the control plane drives it: its processes and its admin API's client. */
export { BuiltinTrafficRouter, metricsTokenPath } from './builtin-router.ts';
export { RouterAdminClient } from './client.ts';
export type { RouterAdminClientOptions } from './client.ts';
export { ROUTER_LAYOUTS, SharedBuiltinTrafficRouter } from './shared-router.ts';
export type { RouterLayout } from './shared-router.ts';
