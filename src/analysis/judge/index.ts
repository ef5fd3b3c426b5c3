/** The canary judge: combines the sequential tests of ../stats into one decision per batch of router data. */
export { createComparativeJudge } from './comparative-judge.ts';
export { MAX_ROUTES } from './comparative-judge.ts';
export type { ComparativeJudge, Judgement, MetricVerdict, RouteTraffic, SideTraffic, TrafficBatch } from './comparative-judge.ts';
export { DEFAULT_JUDGE_OPTIONS, resolveJudgeOptions } from './options.ts';
export type { ErrorRateMargin, JudgeOptions, LatencyMargin, ResolvedJudgeOptions } from './options.ts';
