import type { EndPhase, Phase, Step, Weights } from './types.ts';

/**
 * A deployment is a state machine whose state is the fold of its events.
 * The engine appends an event before each side effect it depends on, so a
 * restarted server rebuilds exactly where it was.
 */
export interface Deployment {
  id: number;
  service: string;
  environment: string;
  kind: 'apply' | 'rollback';
  /** The revision being deployed. */
  revision: number;
  version: string;
  /** The revision serving when the deployment began (null on the first deployment). */
  previousRevision: number | null;
  /** The revision users are served by default: previousRevision until promoted, then revision. */
  stableRevision: number | null;
  strategy: string;
  plan: Step[];
  planHash: string;
  stepIndex: number;
  stepStartedAt: number | null;
  phase: Phase;
  /** Set when a rollback or abort has begun; the engine reconciles towards it. */
  ending: { phase: Exclude<EndPhase, 'Succeeded'>; reason: string; code?: string; instance?: string } | null;
  pausedUntil: number | null;
  promoteRequested: boolean;
  weights: Weights;
  message: string;
  author: string;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export type DeploymentEvent =
  | { type: 'DeploymentCreated'; deployment: Deployment }
  | { type: 'StepStarted'; index: number; pausedUntil?: number | null; paused?: boolean; message: string }
  | { type: 'StepCompleted'; index: number }
  | { type: 'WeightsChanged'; weights: Weights }
  | { type: 'PromoteRequested'; by: string }
  | { type: 'Promoted'; revision: number }
  | { type: 'EndRequested'; phase: Exclude<EndPhase, 'Succeeded'>; reason: string; code?: string; instance?: string; by?: string }
  | { type: 'Progress'; message: string }
  | { type: 'Finished'; phase: EndPhase; message: string };

export type DeploymentEventType = DeploymentEvent['type'];

/** Applies one event to a deployment. Pure: the same events always give the same state. */
export function applyEvent(state: Deployment | null, event: DeploymentEvent, at: number): Deployment {
  if (event.type === 'DeploymentCreated') return { ...event.deployment };
  if (!state) throw new Error(`event ${event.type} before DeploymentCreated`);
  const next: Deployment = { ...state, updatedAt: at };
  switch (event.type) {
    case 'StepStarted':
      next.stepIndex = event.index;
      next.stepStartedAt = at;
      next.pausedUntil = event.pausedUntil ?? null;
      next.phase = event.paused ? 'Paused' : 'Progressing';
      next.message = event.message;
      return next;
    case 'StepCompleted':
      next.stepIndex = event.index + 1;
      next.stepStartedAt = null;
      next.pausedUntil = null;
      next.promoteRequested = false;
      if (next.phase === 'Paused') next.phase = 'Progressing';
      return next;
    case 'WeightsChanged':
      next.weights = { ...event.weights };
      return next;
    case 'PromoteRequested':
      next.promoteRequested = true;
      next.message = `promote requested by ${event.by}`;
      return next;
    case 'Promoted':
      next.stableRevision = event.revision;
      return next;
    case 'EndRequested':
      next.ending = {
        phase: event.phase,
        reason: event.reason,
        ...(event.code ? { code: event.code } : {}),
        ...(event.instance ? { instance: event.instance } : {}),
      };
      next.phase = 'Progressing';
      next.message = `${event.phase === 'Aborted' ? 'aborting' : 'rolling back'}: ${event.reason}`;
      return next;
    case 'Progress':
      next.message = event.message;
      return next;
    case 'Finished':
      next.phase = event.phase;
      next.message = event.message;
      next.finishedAt = at;
      next.pausedUntil = null;
      return next;
    default: {
      const unknown: never = event;
      throw new Error(`unknown deployment event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Rebuilds a deployment from its whole history. */
export function foldEvents(events: { event: DeploymentEvent; at: number }[]): Deployment | null {
  let state: Deployment | null = null;
  for (const { event, at } of events) state = applyEvent(state, event, at);
  return state;
}
