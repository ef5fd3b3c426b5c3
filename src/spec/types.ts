/**
 * The normalized service spec: what the rest of cutover works with after the
 * document a user wrote was validated and its defaults filled in. Durations
 * are milliseconds here; users write them as "1s", "10m".
 */

/** A count of instances or a percentage of the desired instances. */
export type IntOrPercent = { count: number } | { percent: number };

export type CanaryStep = { setWeight: number } | { pause: { durationMs?: number } };

export type StrategySpec =
  | { type: 'rolling'; maxSurge: IntOrPercent; maxUnavailable: IntOrPercent }
  | { type: 'blueGreen'; autoPromote: boolean; previewPort?: number; scaleDownDelayMs: number }
  | { type: 'canary'; steps: CanaryStep[] };

export type StrategyType = StrategySpec['type'];

export interface HealthCheckSpec {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  startupTimeoutMs: number;
}

export interface ServiceSpec {
  name: string;
  environment: string;
  version: string;
  /** `path` as written, relative to the spec file. */
  artifact: { path: string };
  run: { command: string[]; env: Record<string, string> };
  instances: number;
  port: number;
  healthCheck: HealthCheckSpec;
  strategy: StrategySpec;
  progressDeadlineMs: number;
  drainTimeoutMs: number;
}
