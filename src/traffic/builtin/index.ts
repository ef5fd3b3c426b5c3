/** The built-in router as the control plane talks to it. */
export { RouterAdminClient } from './client.ts';
export type { RouterAdminClientOptions } from './client.ts';
