/** The control plane process: store, engine, monitoring and the HTTP API, wired together. */
export { startServer } from './server.ts';
export type { RunningServer, ServerOptions } from './server.ts';
export { adminTokenPath, ensureAdminToken } from './admin-token.ts';
