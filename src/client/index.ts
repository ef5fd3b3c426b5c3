/**
 * The API client shared by the CLI, the demo and the benchmark: calls to the
 * control plane, deploying a spec file, following a deployment. Light on
 * purpose: the spec and packing code load only when a spec file is deployed.
 */
export { ApiClient, DEFAULT_DATA_DIR, DEFAULT_SERVER } from './api-client.ts';
export type { ClientOptions } from './api-client.ts';
export { ApiError } from './api-error.ts';
export { deploySpecFile, readSpecFile, uploadSpecFile } from './deploy.ts';
export type { ReadSpec, StartedDeployment, UploadedSpec } from './deploy.ts';
export { followDeployment, SERVER_GRACE_MS } from './follow.ts';
export type { FollowOptions } from './follow.ts';
export { followLogs } from './logs.ts';
export type { LogFollowOptions } from './logs.ts';
export { progressLine, terminalProgress, weightsText } from './progress.ts';
export type { ProgressOutput } from './progress.ts';
export { resolveService, servicePath } from './services.ts';
export { parseSse } from './sse.ts';
export type { SseEvent } from './sse.ts';
