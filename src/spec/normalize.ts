/** From the validated document to the `ServiceSpec` the rest of cutover works with. */
import { parseDuration } from '../core/duration.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { parseMemory } from './fields.ts';
import type { SpecDocument } from './schema.ts';
import type { AnalysisSpec, CanaryStep, IntOrPercent, MetricProviderSpec, MetricSpec, ServiceSpec, StrategySpec } from './types.ts';

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
    artifact: spec.artifact.image !== undefined ? { image: spec.artifact.image, ...(spec.artifact.signature !== undefined ? { signature: spec.artifact.signature } : {}) } : { path: spec.artifact.path! },
    run: {
      command: [...spec.run.command],
      env: Object.fromEntries(Object.entries(spec.run.env).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
      ...secretEnvOf(spec.run.env),
      ...(spec.run.image !== undefined ? { image: spec.run.image } : {}),
    },
    instances: spec.instances,
    ...(spec.resources ? { resources: toResources(spec.resources) } : {}),
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
    supersede: spec.supersede,
    traffic: {
      trustedProxies: [...spec.traffic.trustedProxies],
      ...(spec.traffic.router ? { router: spec.traffic.router } : {}),
      ...(spec.traffic.maxConnections !== undefined ? { maxConnections: spec.traffic.maxConnections } : {}),
    },
    hooks: Object.fromEntries(
      Object.entries(spec.hooks).map(([point, hooks]) => [
        point,
        (hooks ?? []).map((hook) => ({
          ...(hook.command ? { command: [...hook.command] } : {}),
          ...(hook.http ? { http: { ...hook.http } } : {}),
          timeoutMs: toMs(hook.timeout),
          retries: hook.retries,
        })),
      ]),
    ),
  };
}

function toResources(resources: NonNullable<Service['resources']>): NonNullable<ServiceSpec['resources']> {
  return {
    ...(resources.cpus !== undefined ? { cpus: resources.cpus } : {}),
    ...(resources.memory !== undefined ? { memoryBytes: parseMemory(resources.memory)! } : {}),
  };
}

function toStrategy(strategy: Strategy): StrategySpec {
  if (strategy.canary) {
    const { steps, analysis } = strategy.canary;
    return { type: 'canary', steps: steps.map(toCanaryStep), ...(analysis ? { analysis: toAnalysis(analysis, 'background') } : {}) };
  }
  if (strategy.blueGreen) {
    const { autoPromote, previewPort, scaleDownDelay, prePromotionAnalysis, postPromotionAnalysis } = strategy.blueGreen;
    return {
      type: 'blueGreen',
      autoPromote,
      ...(previewPort === undefined ? {} : { previewPort }),
      scaleDownDelayMs: toMs(scaleDownDelay),
      ...(prePromotionAnalysis ? { prePromotionAnalysis: toAnalysis(prePromotionAnalysis, 'step') } : {}),
      ...(postPromotionAnalysis ? { postPromotionAnalysis: toAnalysis(postPromotionAnalysis, 'step') } : {}),
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
  if (step.setMirrorRoute) return { setMirrorRoute: { percentage: step.setMirrorRoute.percentage } };
  if (step.setHeaderRoute) {
    const { header, exact, regex } = step.setHeaderRoute;
    return { setHeaderRoute: { header, ...(exact !== undefined ? { exact } : {}), ...(regex !== undefined ? { regex } : {}) } };
  }
  if (step.analysis) return { analysis: toAnalysis(step.analysis, 'step') };
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

type Analysis = NonNullable<Step['analysis']>;
type Metric = Analysis['metrics'][number];

/**
 * Background analysis measures until it is stopped; an analysis step ends
 * after `count` measurements (1 by default, 30 for the judge, which needs a
 * stream of requests).
 */
function toAnalysis(analysis: Analysis, kind: 'background' | 'step'): AnalysisSpec {
  return { metrics: analysis.metrics.map((metric) => toMetric(metric, kind)) };
}

function toMetric(metric: Metric, kind: 'background' | 'step'): MetricSpec {
  const provider = toProvider(metric.provider);
  const count = metric.count ?? (kind === 'background' ? undefined : provider.type === 'compare' ? 30 : 1);
  return {
    name: metric.name,
    provider,
    intervalMs: metric.interval === undefined ? (provider.type === 'compare' ? 1000 : 5000) : toMs(metric.interval),
    ...(count === undefined ? {} : { count }),
    initialDelayMs: toMs(metric.initialDelay),
    ...(metric.successCondition === undefined ? {} : { successCondition: metric.successCondition }),
    ...(metric.failureCondition === undefined ? {} : { failureCondition: metric.failureCondition }),
    failureLimit: metric.failureLimit,
    inconclusiveLimit: metric.inconclusiveLimit,
    consecutiveErrorLimit: metric.consecutiveErrorLimit,
    dryRun: metric.dryRun,
  };
}

function toProvider(provider: Metric['provider']): MetricProviderSpec {
  if (provider.router) return { type: 'router', query: provider.router.query, revision: provider.router.revision, windowMs: toMs(provider.router.window) };
  if (provider.prometheus) return { type: 'prometheus', address: provider.prometheus.address, query: provider.prometheus.query, timeoutMs: toMs(provider.prometheus.timeout) };
  if (provider.http) {
    const { url, jsonPath, headers, timeout } = provider.http;
    return { type: 'http', url, ...(jsonPath === undefined ? {} : { jsonPath }), headers, timeoutMs: toMs(timeout) };
  }
  if (provider.command) return { type: 'command', command: [...provider.command.command], timeoutMs: toMs(provider.command.timeout) };
  if (provider.compare) {
    const { alpha, errorRate, latency, minRequests, warmUp } = provider.compare;
    const withWarmUp = <T extends { warmUp?: string | undefined }>(margin: T | null) => {
      if (!margin) return null;
      const { warmUp: own, ...rest } = margin;
      return own === undefined ? rest : { ...rest, warmUpMs: toMs(own) };
    };
    return { type: 'compare', alpha, errorRate: withWarmUp(errorRate), latency: withWarmUp(latency), minRequests, warmUpMs: toMs(warmUp) };
  }
  throw new CutoverError(ErrorCode.Internal, 'A validated metric has no provider; this is a bug in cutover');
}

function secretEnvOf(env: Record<string, string | { secret: string }>): { secretEnv?: Record<string, string> } {
  const secrets = Object.entries(env).flatMap(([name, value]) => (typeof value === 'string' ? [] : [[name, value.secret] as const]));
  return secrets.length ? { secretEnv: Object.fromEntries(secrets) } : {};
}
