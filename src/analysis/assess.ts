import { isCelError, run } from '@bufbuild/cel';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import type { MetricSpec } from '../spec/types.ts';
import type { AnalysisPhase, Measurement, MeasurementPhase, MetricView } from './types.ts';

/**
 * What a measured value means under the metric's conditions, as Argo
 * Rollouts decides it: a failure condition that holds fails; a success
 * condition that holds succeeds; with both given and neither holding, the
 * measurement is inconclusive; with only one given, the other outcome.
 */
export function judgeValue(metric: Pick<MetricSpec, 'successCondition' | 'failureCondition'>, value: unknown): { phase: MeasurementPhase; message?: string } {
  const { successCondition, failureCondition } = metric;
  try {
    if (failureCondition !== undefined && truthy(failureCondition, value)) return { phase: 'Failed', message: `${failureCondition} holds for ${show(value)}` };
    if (successCondition !== undefined) {
      if (truthy(successCondition, value)) return { phase: 'Successful' };
      return failureCondition === undefined
        ? { phase: 'Failed', message: `${successCondition} does not hold for ${show(value)}` }
        : { phase: 'Inconclusive', message: `neither ${successCondition} nor ${failureCondition} holds for ${show(value)}` };
    }
    return { phase: 'Successful' };
  } catch (error) {
    return { phase: 'Error', message: `could not evaluate the condition on ${show(value)}: ${messageOf(error)}` };
  }
}

function truthy(expression: string, value: unknown): boolean {
  const result = run(expression, { result: toCel(value) } as Parameters<typeof run>[1]);
  // CEL reports evaluation errors (a missing field) as a value, not an exception.
  if (isCelError(result)) throw new CutoverError(ErrorCode.InvalidSpec, result.message);
  if (typeof result !== 'boolean') throw new CutoverError(ErrorCode.InvalidSpec, `the expression "${expression}" gave ${String(result)}, not true or false; write a condition, e.g. "result < 0.05"`);
  return result;
}

/** JSON values as CEL sees them: objects as maps, integers as doubles (so `result < 0.05` works for 0 too). */
function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value).map(([key, item]) => [key, toCel(item)]));
  return value;
}

export function show(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return JSON.stringify(value);
}

/** A metric's phase after its measurements so far: limits first, then whether it has measured enough. */
export function assessMetric(metric: MetricSpec, counts: MetricView['counts'], taken: number): AnalysisPhase {
  if (counts.failed > metric.failureLimit) return 'Failed';
  if (counts.consecutiveErrors > metric.consecutiveErrorLimit) return 'Error';
  if (counts.inconclusive > metric.inconclusiveLimit) return 'Inconclusive';
  if (metric.count !== undefined && taken >= metric.count) return 'Successful';
  return 'Running';
}

/** Adds one measurement to a metric's counts. */
export function count(counts: MetricView['counts'], measurement: Measurement): MetricView['counts'] {
  const next = { ...counts };
  switch (measurement.phase) {
    case 'Successful':
      next.successful++;
      next.consecutiveErrors = 0;
      break;
    case 'Failed':
      next.failed++;
      next.consecutiveErrors = 0;
      break;
    case 'Inconclusive':
      next.inconclusive++;
      next.consecutiveErrors = 0;
      break;
    case 'Error':
      next.error++;
      next.consecutiveErrors++;
      break;
  }
  return next;
}

const SEVERITY: Record<AnalysisPhase, number> = { Successful: 0, Running: 1, Inconclusive: 2, Error: 3, Failed: 4 };

/** The analysis as a whole: the worst of its metrics that may decide (dry runs never do). */
export function combine(metrics: Pick<MetricView, 'phase' | 'dryRun'>[]): AnalysisPhase {
  let worst: AnalysisPhase = 'Successful';
  for (const metric of metrics) if (!metric.dryRun && SEVERITY[metric.phase] > SEVERITY[worst]) worst = metric.phase;
  return worst;
}
