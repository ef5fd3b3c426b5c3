import { createProvider, runAnalysis, type AnalysisOutcome } from '../analysis/index.ts';
import type { Deployment, DeploymentEvent } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { AnalysisKind } from '../core/types.ts';
import type { AnalysisSpec } from '../spec/types.ts';
import { outboundFor, type EngineContext } from './context.ts';

/** Runs an analysis of a deployment's new revision, recording every measurement as an event. */
export function analyse(
  ctx: EngineContext,
  d: Deployment,
  kind: AnalysisKind,
  spec: AnalysisSpec,
  record: (event: DeploymentEvent) => void,
  signal: AbortSignal,
): Promise<AnalysisOutcome> {
  return runAnalysis({
    id: `${d.id}.${d.stepIndex}.${kind}.${Date.now().toString(36)}`,
    kind,
    stepIndex: d.stepIndex,
    spec,
    context: { service: d.service, environment: d.environment, canaryRevision: d.revision, stableRevision: d.previousRevision },
    providerFor: (metric) => createProvider(metric.provider, { traffic: ctx.traffic, sandbox: ctx.sandbox, outbound: outboundFor(ctx, d.environment), openHeaders: (headers) => ctx.secrets.openHeaders(headers) }),
    recorder: {
      started: (analysis) => record({ type: 'AnalysisStarted', analysis }),
      measured: (id, metric, measurement, phase, counts) => record({ type: 'AnalysisMeasured', id, metric, measurement, phase, counts }),
      finished: (id, phase, message) => record({ type: 'AnalysisFinished', id, phase, message }),
    },
    signal,
  });
}

/** The error that rolls a deployment back after a failed analysis. */
export function analysisFailure(d: Deployment, outcome: AnalysisOutcome): CutoverError {
  return new CutoverError(ErrorCode.AnalysisFailed, outcome.message, { context: { service: d.service, revision: d.revision, deployment: d.id } });
}
