import type { Deployment, DeploymentEvent } from '../../core/deployment.ts';
import type { StoredEvent } from '../../store/deployments.ts';
import { readEvent } from '../metrics/index.ts';
import { alertId, type Alert } from './alert.ts';
import type { RulesConfig } from './rules-config.ts';

/**
 * The alerts one stored event raises. `before` is the deployment's state
 * before the event was applied (the same convention as the metrics), which
 * still holds why a rollback began.
 */
export function alertsForEvent(stored: StoredEvent, before: Deployment | null, rules: RulesConfig): Alert[] {
  const event = readEvent(stored);
  if (!event || !before) return [];
  if (event.type === 'AnalysisFinished') return analysisAlerts(event, before, stored.at, rules);
  if (event.type !== 'Finished') return [];
  const reason = before.ending?.reason ?? event.message;
  const details = {
    revision: before.revision,
    version: before.version,
    previousRevision: before.previousRevision,
    strategy: before.strategy,
    reason,
    code: before.ending?.code ?? null,
    instance: before.ending?.instance ?? null,
  };
  const base = { service: before.service, environment: before.environment, deployment: before.id, details, at: stored.at };
  const which = `${before.service} ${before.version} (deployment ${before.id}, ${before.environment})`;
  if (event.phase === 'Failed' && rules['deployment-failed'].enabled) {
    const rule = 'deployment-failed';
    return [{ ...base, id: alertId(rule, before.id), rule, severity: rules[rule].severity, summary: `${which} failed: ${reason}` }];
  }
  if (event.phase === 'RolledBack' && rules['deployment-rolled-back'].enabled) {
    const rule = 'deployment-rolled-back';
    const to = before.previousRevision === null ? '' : ` to revision ${before.previousRevision}`;
    return [{ ...base, id: alertId(rule, before.id), rule, severity: rules[rule].severity, summary: `${which} rolled back${to}: ${reason}` }];
  }
  return [];
}

/** An inconclusive analysis holds the deployment until a person decides; the state before the event still has its metrics. */
function analysisAlerts(event: Extract<DeploymentEvent, { type: 'AnalysisFinished' }>, before: Deployment, at: number, rules: RulesConfig): Alert[] {
  const rule = 'analysis-inconclusive';
  const analysis = (before.analyses ?? []).find((candidate) => candidate.id === event.id);
  if (event.phase !== 'Inconclusive' || !rules[rule].enabled || !analysis) return [];
  const inconclusive = analysis.metrics.filter((metric) => metric.phase === 'Inconclusive').map((metric) => metric.name);
  return [
    {
      // The analysis id changes when a restarted engine runs it again; its step and kind do not.
      id: `${alertId(rule, before.id, analysis.stepIndex)}:${analysis.kind}`,
      rule,
      severity: rules[rule].severity,
      service: before.service,
      environment: before.environment,
      deployment: before.id,
      summary: `${before.service} ${before.version} (deployment ${before.id}, ${before.environment}): analysis at step ${analysis.stepIndex + 1} was inconclusive (${event.message}); run \`cutover promote ${before.service}\` to continue or \`cutover abort ${before.service}\` to roll back`,
      details: { step: analysis.stepIndex, kind: analysis.kind, metrics: inconclusive.join(', '), message: event.message, revision: before.revision },
      at,
    },
  ];
}
