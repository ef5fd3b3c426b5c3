import { unknownEvent, type Deployment, type DeploymentEvent } from '../../core/deployment.ts';
import type { Counter, Histogram } from 'prom-client';

type DeploymentLabel = 'service' | 'environment' | 'strategy' | 'outcome';

/** The metrics deployment events update. */
export interface DeploymentMetrics {
  deployments: Counter<DeploymentLabel>;
  deploymentSeconds: Histogram<DeploymentLabel>;
  stepSeconds: Histogram<'service' | 'environment' | 'step'>;
  rollbacks: Counter<'service' | 'environment' | 'cause'>;
  verdicts: Counter<'service' | 'environment' | 'metric' | 'verdict'>;
}

/**
 * Why a rollback or abort began, as a label: the error code when the engine
 * decided (InstanceExited, ProgressDeadlineExceeded, AnalysisFailed, …),
 * Aborted when a person aborted, Superseded when a newer apply cut it short,
 * Manual when a person rolled back.
 */
export function rollbackCause(event: Extract<DeploymentEvent, { type: 'EndRequested' }>): string {
  if (event.code) return event.code;
  if (event.phase === 'Aborted' || event.phase === 'Superseded') return event.phase;
  return event.by ? 'Manual' : 'Unknown';
}

/** Applies one deployment event to the counters and histograms; `before` is the state before the event. */
export function observeDeploymentEvent(metrics: DeploymentMetrics, event: DeploymentEvent, before: Deployment | null, at: number): void {
  switch (event.type) {
    case 'DeploymentCreated': {
      // `cutover rollback` starts a deployment of the previous revision: a rollback a person asked for.
      const { service, environment, kind } = event.deployment;
      if (kind === 'rollback') metrics.rollbacks.inc({ service, environment, cause: 'Manual' });
      return;
    }
    case 'EndRequested':
      if (!before || before.ending) return; // a repeated request does not start a second rollback
      metrics.rollbacks.inc({ service: before.service, environment: before.environment, cause: rollbackCause(event) });
      return;
    case 'StepCompleted': {
      const step = before?.plan[event.index];
      if (!before || !step || before.stepStartedAt === null) return;
      metrics.stepSeconds.observe({ service: before.service, environment: before.environment, step: step.type }, seconds(at - before.stepStartedAt));
      return;
    }
    case 'Finished': {
      if (!before || before.finishedAt !== null) return;
      const labels = { service: before.service, environment: before.environment, strategy: before.strategy, outcome: event.phase };
      metrics.deployments.inc(labels);
      metrics.deploymentSeconds.observe(labels, seconds(at - before.createdAt));
      return;
    }
    case 'AnalysisFinished': {
      // The metrics' verdicts are in the state the measurements built; a metric still Running was cut short by another's verdict.
      const analysis = (before?.analyses ?? []).find((candidate) => candidate.id === event.id);
      if (!before || !analysis || analysis.finishedAt !== null) return;
      for (const metric of analysis.metrics) {
        if (metric.phase !== 'Running') metrics.verdicts.inc({ service: before.service, environment: before.environment, metric: metric.name, verdict: metric.phase });
      }
      return;
    }
    case 'StepStarted':
    case 'WeightsChanged':
    case 'PromoteRequested':
    case 'PauseRequested':
    case 'Resumed':
    case 'FullPromotionRequested':
    case 'Promoted':
    case 'Progress':
    case 'AnalysisStarted':
    case 'AnalysisMeasured':
    case 'Held':
    case 'Approved':
      return;
    default: {
      const unknown: never = event;
      throw unknownEvent(unknown);
    }
  }
}

function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}
