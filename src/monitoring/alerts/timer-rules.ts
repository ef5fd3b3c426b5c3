import type { Deployment } from '../../core/deployment.ts';
import { formatDuration } from '../../core/duration.ts';
import { hasProgressDeadline } from '../../core/progress-deadline.ts';
import { alertId, type Alert } from './alert.ts';
import type { RulesConfig } from './rules-config.ts';

export interface TimerOptions {
  rules: RulesConfig;
  /** The service's progressDeadline (the spec's `progressDeadlineMs`); undefined skips the deadline rule for it. */
  progressDeadlineMs: (deployment: Deployment) => number | undefined;
}

/**
 * The alerts that come from time passing rather than from an event: call it
 * every few seconds with the unfinished deployments. The same condition gives
 * the same alert id each time, so the dispatcher sends it once.
 */
export function evaluateTimers(deployments: readonly Deployment[], now: number, options: TimerOptions): Alert[] {
  return deployments.flatMap((deployment) => {
    if (deployment.finishedAt !== null || deployment.ending !== null || deployment.stepStartedAt === null) return [];
    return [waitingForPerson(deployment, now, options.rules), deadlineNear(deployment, now, options)].filter((alert) => alert !== null);
  });
}

/**
 * A deployment waits for a person at an open-ended pause step, when an
 * inconclusive analysis holds it, or for an approval; a timed pause ends by itself.
 */
function waitingForPerson(d: Deployment, now: number, rules: RulesConfig): Alert | null {
  const rule = 'waiting-for-person';
  const settings = rules[rule];
  const openPause = d.plan[d.stepIndex]?.type === 'pause' && d.pausedUntil === null;
  const held = (d.hold ?? null) !== null;
  const approval = d.phase === 'AwaitingApproval' && !d.approvedBy;
  const paused = d.phase === 'Paused' && !d.promoteRequested && (openPause || held);
  if (!settings.enabled || !(paused || approval)) return null;
  const waited = now - waitingSince(d);
  if (waited < settings.afterMs) return null;
  const why = approval ? 'waiting for approval' : held ? `held: ${d.hold}` : `paused at step ${d.stepIndex + 1}`;
  const next = approval
    ? `an approver other than ${d.author} runs \`cutover approve ${d.id}\` or \`cutover reject ${d.id}\``
    : `run \`cutover promote ${d.service}\` to continue or \`cutover abort ${d.service}\` to roll back`;
  return {
    id: alertId(rule, d.id, d.stepIndex),
    rule,
    severity: settings.severity,
    service: d.service,
    environment: d.environment,
    deployment: d.id,
    summary: `${d.service} ${d.version} (deployment ${d.id}, ${d.environment}) has waited ${formatDuration(waited)} for a person (${why}): ${next}`,
    details: { step: d.stepIndex, waitedMs: waited, revision: d.revision, hold: d.hold ?? null, weights: JSON.stringify(d.weights) },
    at: now,
  };
}

/** A hold starts when the inconclusive analysis finished, which can be long after its step started. */
function waitingSince(d: Deployment): number {
  const inconclusive = (d.analyses ?? []).filter((analysis) => analysis.phase === 'Inconclusive' && analysis.finishedAt !== null);
  const heldAt = d.hold ? inconclusive.at(-1)?.finishedAt : undefined;
  return heldAt ?? d.stepStartedAt ?? d.updatedAt;
}

/** Warns before the engine rolls back for ProgressDeadlineExceeded; only steps the deadline applies to (not pauses, analyses, approvals). */
function deadlineNear(d: Deployment, now: number, options: TimerOptions): Alert | null {
  const rule = 'progress-deadline-near';
  const settings = options.rules[rule];
  const step = d.plan[d.stepIndex];
  const deadline = options.progressDeadlineMs(d);
  const running = now - (d.stepStartedAt ?? now);
  if (!settings.enabled || !step || !hasProgressDeadline(step) || deadline === undefined || running < deadline * settings.fraction) return null;
  return {
    id: alertId(rule, d.id, d.stepIndex),
    rule,
    severity: settings.severity,
    service: d.service,
    environment: d.environment,
    deployment: d.id,
    summary: `${d.service} ${d.version} (deployment ${d.id}): step ${d.stepIndex + 1} (${step.type}) has run ${formatDuration(running)} of its ${formatDuration(deadline)} progressDeadline; it rolls back at the deadline`,
    details: { step: d.stepIndex, stepType: step.type, runningMs: running, progressDeadlineMs: deadline, revision: d.revision },
    at: now,
  };
}
