export { runAnalysis, type AnalysisOutcome, type AnalysisRecorder } from './run.ts';
export { createProvider } from './providers/index.ts';
export { judgeValue, assessMetric, combine } from './assess.ts';
export type * from './types.ts';
