import { CutoverError, ErrorCode } from '../../core/errors.ts';

/**
 * How a simulated instance behaves, read from its environment (the spec's
 * `run.env`), so one spec file can say "this version is slow" or "this
 * version fails 20% of its requests" and the real analysis judges it.
 */
export interface SimulatedOutcomes {
  /** How long after start it passes its health check. @default 200 */
  startMs: number;
  /** Whether it passes its health check once started. @default true */
  healthy: boolean;
  /** The share of its requests answered 500, 0..1. @default 0 */
  errorRate: number;
  /** The median latency of its answers, in ms (each answer between half and 1.5 times it). @default 20 */
  latencyMs: number;
  /** It exits this long after start; null: it keeps running. @default null */
  exitAfterMs: number | null;
}

/** The variables of `run.env` a simulated instance reads, each mapped to its outcome. */
export const SimulatedVariable = {
  startMs: 'CUTOVER_SIMULATED_START_MS',
  healthy: 'CUTOVER_SIMULATED_HEALTHY',
  errorRate: 'CUTOVER_SIMULATED_ERROR_RATE',
  latencyMs: 'CUTOVER_SIMULATED_LATENCY_MS',
  exitAfterMs: 'CUTOVER_SIMULATED_EXIT_AFTER_MS',
} as const;

export const DEFAULT_OUTCOMES: SimulatedOutcomes = { startMs: 200, healthy: true, errorRate: 0, latencyMs: 20, exitAfterMs: null };

/** The outcomes of an instance whose environment is `env`; a malformed value is refused, naming the variable. */
export function outcomesOf(env: Record<string, string>): SimulatedOutcomes {
  const number = (name: string, fallback: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > max) {
      throw new CutoverError(ErrorCode.InstanceStartFailed, `run.env.${name} is "${raw}"; the simulated platform expects a number from 0 to ${max}`, { context: { field: `run.env.${name}` } });
    }
    return value;
  };
  const healthy = env[SimulatedVariable.healthy];
  if (healthy !== undefined && healthy !== 'true' && healthy !== 'false') {
    throw new CutoverError(ErrorCode.InstanceStartFailed, `run.env.${SimulatedVariable.healthy} is "${healthy}"; expected "true" or "false"`, { context: { field: `run.env.${SimulatedVariable.healthy}` } });
  }
  return {
    startMs: number(SimulatedVariable.startMs, DEFAULT_OUTCOMES.startMs, 3_600_000),
    healthy: healthy === undefined ? DEFAULT_OUTCOMES.healthy : healthy === 'true',
    errorRate: number(SimulatedVariable.errorRate, DEFAULT_OUTCOMES.errorRate, 1),
    latencyMs: number(SimulatedVariable.latencyMs, DEFAULT_OUTCOMES.latencyMs, 600_000),
    exitAfterMs: env[SimulatedVariable.exitAfterMs] === undefined ? null : number(SimulatedVariable.exitAfterMs, 0, 2 ** 31 - 1),
  };
}
