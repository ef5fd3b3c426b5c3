export { Sandbox, bubblewrapWorks, isInside, type EffectiveIsolation } from './sandbox.ts';
export type { SandboxedRun, SpawnPlan } from '../../core/run-command.ts';
export { parseIsolationConfig, DEFAULT_RUN_AS, ISOLATION_MODES, type IsolationConfig, type IsolationMode, type RunAs } from './config.ts';
export { serverMark, MARK_VARIABLE } from './mark.ts';
