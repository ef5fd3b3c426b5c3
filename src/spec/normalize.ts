/** From the validated document to the `ServiceSpec` the rest of cutover works with. */
import { parseDuration } from '../core/duration.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { SpecDocument } from './schema.ts';
import type { CanaryStep, IntOrPercent, ServiceSpec, StrategySpec } from './types.ts';

type Service = SpecDocument['spec'];
type Strategy = Service['strategy'];
type Step = NonNullable<Strategy['canary']>['steps'][number];

export function toServiceSpec(document: SpecDocument): ServiceSpec {
  const { spec } = document;
  const { healthCheck } = spec;
  return {
    name: document.metadata.name,
    environment: spec.environment,
    version: spec.version,
    artifact: { path: spec.artifact.path },
    run: { command: [...spec.run.command], env: { ...spec.run.env } },
    instances: spec.instances,
    port: spec.port,
    healthCheck: {
      path: healthCheck.path,
      intervalMs: toMs(healthCheck.interval),
      timeoutMs: toMs(healthCheck.timeout),
      healthyThreshold: healthCheck.healthyThreshold,
      unhealthyThreshold: healthCheck.unhealthyThreshold,
      startupTimeoutMs: toMs(healthCheck.startupTimeout),
    },
    strategy: toStrategy(spec.strategy),
    progressDeadlineMs: toMs(spec.progressDeadline),
    drainTimeoutMs: toMs(spec.drainTimeout),
  };
}

function toStrategy(strategy: Strategy): StrategySpec {
  if (strategy.canary) return { type: 'canary', steps: strategy.canary.steps.map(toCanaryStep) };
  if (strategy.blueGreen) {
    const { autoPromote, previewPort, scaleDownDelay } = strategy.blueGreen;
    return {
      type: 'blueGreen',
      autoPromote,
      ...(previewPort === undefined ? {} : { previewPort }),
      scaleDownDelayMs: toMs(scaleDownDelay),
    };
  }
  if (strategy.rolling) {
    const { maxSurge, maxUnavailable } = strategy.rolling;
    return { type: 'rolling', maxSurge: toIntOrPercent(maxSurge), maxUnavailable: toIntOrPercent(maxUnavailable) };
  }
  throw new CutoverError(ErrorCode.Internal, 'A validated spec has no strategy; this is a bug in cutover');
}

function toCanaryStep(step: Step): CanaryStep {
  if (step.setWeight !== undefined) return { setWeight: step.setWeight };
  const duration = step.pause?.duration;
  return { pause: duration === undefined ? {} : { durationMs: toMs(duration) } };
}

function toIntOrPercent(value: number | string): IntOrPercent {
  return typeof value === 'number' ? { count: value } : { percent: Number(value.slice(0, -1)) };
}

/** Durations were validated by the schema, so they parse. */
function toMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new CutoverError(ErrorCode.Internal, `A validated duration "${text}" did not parse; this is a bug in cutover`);
  return ms;
}
