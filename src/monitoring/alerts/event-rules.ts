import type { Deployment } from '../../core/deployment.ts';
import type { StoredEvent } from '../../store/deployments.ts';
import { readEvent, type AnalysisCompleted } from '../metrics/index.ts';
import { alertId, type Alert } from './alert.ts';
import type { RulesConfig } from './rules-config.ts';

/**
 * The alerts one stored event raises. `before` is the deployment's state
 * before the event was applied (the same convention as the metrics), which
 * still holds why a rollback began.
 */
export function alertsForEvent(stored: StoredEvent, before: Deployment | null, rules: RulesConfig): Alert[] {
  const event = readEvent(stored);
  if (!event) return [];
  if (event.type === 'AnalysisCompleted') return analysisAlerts(stored, event, before, rules);
  if (event.type !== 'Finished' || !before) return [];
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

function analysisAlerts(stored: StoredEvent, event: AnalysisCompleted, before: Deployment | null, rules: RulesConfig): Alert[] {
  const rule = 'analysis-inconclusive';
  if (event.verdict !== 'Inconclusive' || !rules[rule].enabled) return [];
  const deployment = stored.deployment ?? event.deployment ?? before?.id ?? null;
  const inconclusive = event.metrics.filter((metric) => metric.verdict === 'Inconclusive').map((metric) => metric.name);
  return [
    {
      id: alertId(rule, deployment, event.step),
      rule,
      severity: rules[rule].severity,
      service: stored.service,
      environment: before?.environment ?? 'unknown',
      deployment,
      summary: `${stored.service}: analysis at step ${event.step + 1} was inconclusive (${event.message}); decide with \`cutover promote\` or \`cutover abort\``,
      details: { step: event.step, metrics: inconclusive.join(', '), message: event.message, revision: before?.revision ?? null },
      at: stored.at,
    },
  ];
}
