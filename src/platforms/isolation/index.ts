export { Sandbox, bubblewrapWorks, isInside, type EffectiveIsolation, type SandboxedRun, type SpawnPlan } from './sandbox.ts';
export { parseIsolationConfig, DEFAULT_RUN_AS, ISOLATION_MODES, type IsolationConfig, type IsolationMode, type RunAs } from './config.ts';
export { serverMark, MARK_VARIABLE } from './mark.ts';
