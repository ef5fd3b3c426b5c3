export type { Environment, HookSpec, HookPoint, DeployWindow, Severity } from './types.ts';
export { HOOK_POINTS } from './types.ts';
export { DEFAULT_ENVIRONMENTS } from './defaults.ts';
export { parseEnvironments, resolveEnvironments } from './config.ts';
export { checkDeployment, type CheckResult, type DeploymentFacts } from './validate.ts';
export { insideWindows } from './windows.ts';
export { environmentView, ENFORCEMENT } from './view.ts';
