import { CutoverError, ErrorCode, type FieldProblem } from '../../core/errors.ts';
import { DEFAULT_ERROR_RATE_CAP, DEFAULT_LATENCY_CAP, type EvidenceCap } from '../stats/index.ts';

export interface ErrorRateMargin {
  /** The canary may have up to `ratio` × stable's error rate … @default 1.5 */
  ratio?: number;
  /** … plus `delta` (a rate: 0.005 is half a percentage point). @default 0.005 */
  delta?: number;
  /** The most evidence one batch adds (nats: perSecond × its seconds + burst); false for none. @default { perSecond: 1.2, burst: 1.5 } */
  evidenceCap?: EvidenceCap | false;
}

export interface LatencyMargin {
  /** A canary request counts as slower when slower by more than this share of a stable one … @default 0.1 */
  tolerance?: number;
  /** … and by more than this many milliseconds. @default 10 */
  minDeltaMs?: number;
  /** The most evidence one batch adds (nats: perSecond × its seconds + burst); false for none. @default { perSecond: 3, burst: 2 } */
  evidenceCap?: EvidenceCap | false;
}

export interface JudgeOptions {
  /**
   * The chance that a canary within the margins is ever failed, however long
   * it is watched, all metrics together: the metrics' tests share it
   * (9/10 to the error rate, 1/10 to latency; weighted Bonferroni). The same
   * bound holds, separately, for a false pass.
   * @default 0.01
   */
  alpha?: number;
  /** How much worse the canary's 5xx rate may be; `false` to not judge errors. */
  errorRate?: ErrorRateMargin | false;
  /** How much slower the canary may be; `false` to not judge latency. */
  latency?: LatencyMargin | false;
  /** Requests each side must have served before any decision but `continue`. @default 50 */
  minRequests?: number;
}

export interface ResolvedJudgeOptions {
  alpha: number;
  errorRate: Required<ErrorRateMargin> | false;
  latency: Required<LatencyMargin> | false;
  minRequests: number;
}

const DEFAULT_ERROR_RATE: Required<ErrorRateMargin> = { ratio: 1.5, delta: 0.005, evidenceCap: DEFAULT_ERROR_RATE_CAP };
const DEFAULT_LATENCY: Required<LatencyMargin> = { tolerance: 0.1, minDeltaMs: 10, evidenceCap: DEFAULT_LATENCY_CAP };

export const DEFAULT_JUDGE_OPTIONS: ResolvedJudgeOptions = {
  alpha: 0.01,
  errorRate: DEFAULT_ERROR_RATE,
  latency: DEFAULT_LATENCY,
  minRequests: 50,
};

/** Fills in defaults and checks every field, naming each one that is wrong. */
export function resolveJudgeOptions(options: JudgeOptions = {}): ResolvedJudgeOptions {
  const resolved: ResolvedJudgeOptions = {
    alpha: options.alpha ?? DEFAULT_JUDGE_OPTIONS.alpha,
    errorRate: options.errorRate === false ? false : { ...DEFAULT_ERROR_RATE, ...definedOnly(options.errorRate) },
    latency: options.latency === false ? false : { ...DEFAULT_LATENCY, ...definedOnly(options.latency) },
    minRequests: options.minRequests ?? DEFAULT_JUDGE_OPTIONS.minRequests,
  };
  const problems: FieldProblem[] = [];
  const check = (path: string, value: number, ok: boolean, expected: string) => {
    if (!ok || !Number.isFinite(value)) problems.push({ path, message: `must be ${expected}, got ${value}` });
  };
  check('alpha', resolved.alpha, resolved.alpha > 0 && resolved.alpha < 1, 'a probability between 0 and 1 (0.01 fails a good canary at most 1% of the time)');
  if (resolved.errorRate) {
    check('errorRate.ratio', resolved.errorRate.ratio, resolved.errorRate.ratio > 0, 'a number above 0 (1.5 allows 50% more errors than stable)');
    check('errorRate.delta', resolved.errorRate.delta, resolved.errorRate.delta >= 0 && resolved.errorRate.delta < 1, 'a rate from 0 to below 1 (0.005 is half a percentage point)');
    checkCap('errorRate.evidenceCap', resolved.errorRate.evidenceCap, check);
  }
  if (resolved.latency) {
    check('latency.tolerance', resolved.latency.tolerance, resolved.latency.tolerance >= 0, 'a share of 0 or more (0.1 is 10%)');
    check('latency.minDeltaMs', resolved.latency.minDeltaMs, resolved.latency.minDeltaMs >= 0, 'milliseconds, 0 or more');
    checkCap('latency.evidenceCap', resolved.latency.evidenceCap, check);
  }
  check('minRequests', resolved.minRequests, Number.isInteger(resolved.minRequests) && resolved.minRequests >= 0, 'a whole number of requests, 0 or more');
  if (!resolved.errorRate && !resolved.latency) problems.push({ path: 'errorRate', message: 'errorRate and latency are both off; turn on at least one metric to judge' });
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    throw new CutoverError(ErrorCode.InvalidSpec, `invalid canary judge options: ${list}`, { problems, context: { field: problems[0]?.path } });
  }
  return resolved;
}

function checkCap(path: string, cap: EvidenceCap | false, check: (path: string, value: number, ok: boolean, expected: string) => void): void {
  if (cap === false) return;
  check(`${path}.perSecond`, cap.perSecond, cap.perSecond > 0, 'nats per second above 0 (1.2 lets a clear regression fail in seconds)');
  check(`${path}.burst`, cap.burst, cap.burst >= 0, 'nats, 0 or more');
}

/** The object without its undefined fields, so they do not hide the defaults. */
function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
