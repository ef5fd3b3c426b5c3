import type { AnalysisPhase, AnalysisView, Measurement, MetricView } from './analysis.ts';
import { CutoverError, ErrorCode } from './errors.ts';
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
  /** `retry`: an apply of the revision an aborted or rolled-back deployment tried; `restart`: the serving revision's instances replaced one at a time. */
  kind: DeploymentKind;
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
  ending: { phase: Exclude<EndPhase, 'Succeeded'>; reason: string; code?: string; instance?: string; supersededBy?: number } | null;
  /**
   * The deployment this one cut short (its own ending is Superseded): this
   * one starts only once that one has ended. Absent in deployments stored
   * before supersede existed.
   */
  supersedes?: number | null;
  pausedUntil: number | null;
  promoteRequested: boolean;
  weights: Weights;
  /** Every analysis of this deployment, newest last, with its latest measurements. */
  analyses: AnalysisView[];
  /** Why the deployment waits for a person (an inconclusive analysis); `promote` continues, `abort` rolls back. */
  hold: string | null;
  /** Who paused it (`cutover pause`): it holds at its current step until `promote` resumes it. */
  pausedBy?: string | null;
  /** Who promoted it to the end (`cutover promote --full`): pauses and analyses skipped, background analysis stopped. */
  promotedFullyBy?: string | null;
  /** Who approved it, in an environment that requires approval. */
  approvedBy?: string | null;
  message: string;
  author: string;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export type DeploymentKind = 'apply' | 'rollback' | 'retry' | 'restart';

/** What a new deployment is given; the rest of its state starts the same for every deployment. */
export type DeploymentStart = Pick<
  Deployment,
  'service' | 'environment' | 'kind' | 'revision' | 'version' | 'previousRevision' | 'stableRevision' | 'strategy' | 'plan' | 'planHash' | 'weights' | 'message' | 'author' | 'supersedes'
> & { at: number };

/** A deployment before its first step: progressing, at step 0, nothing ended, held, paused or analysed yet. */
export function newDeployment({ at, ...start }: DeploymentStart): Omit<Deployment, 'id'> {
  return {
    ...start,
    stepIndex: 0,
    stepStartedAt: null,
    phase: 'Progressing',
    ending: null,
    pausedUntil: null,
    promoteRequested: false,
    analyses: [],
    hold: null,
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
  };
}

export type DeploymentEvent =
  | { type: 'DeploymentCreated'; deployment: Deployment }
  | { type: 'StepStarted'; index: number; pausedUntil?: number | null; paused?: boolean; awaitingApproval?: boolean; message: string }
  | { type: 'Approved'; by: string }
  | { type: 'StepCompleted'; index: number }
  | { type: 'WeightsChanged'; weights: Weights }
  | { type: 'PromoteRequested'; by: string }
  /** A person paused the deployment: nothing moves past the current step until `promote` (Resumed or PromoteRequested). */
  | { type: 'PauseRequested'; by: string }
  /** A person resumed a deployment they (or another) paused; the current step goes on where it was. */
  | { type: 'Resumed'; by: string }
  /** `promote --full`: the rest of the plan replaced by the shortest safe way to 100% (no pauses, no analyses); `restartStep` when the step in progress was one of those. */
  | { type: 'FullPromotionRequested'; by: string; plan: Step[]; planHash: string; restartStep: boolean }
  | { type: 'Promoted'; revision: number }
  | { type: 'EndRequested'; phase: Exclude<EndPhase, 'Succeeded'>; reason: string; code?: string; instance?: string; by?: string; supersededBy?: number }
  | { type: 'Progress'; message: string }
  | { type: 'AnalysisStarted'; analysis: AnalysisView }
  | { type: 'AnalysisMeasured'; id: string; metric: string; measurement: Measurement; phase: AnalysisPhase; counts: MetricView['counts'] }
  | { type: 'AnalysisFinished'; id: string; phase: AnalysisPhase; message: string }
  | { type: 'Held'; reason: string }
  | { type: 'Finished'; phase: EndPhase; message: string };

export type DeploymentEventType = DeploymentEvent['type'];

/** What the message says while an ending is carried out. */
const ENDING_VERB: Record<Exclude<EndPhase, 'Succeeded'>, string> = {
  Aborted: 'aborting',
  RolledBack: 'rolling back',
  Failed: 'rolling back',
  Superseded: 'superseded, going back to stable',
};

/** Measurements kept per metric in the state; all of them are in the events. */
const MEASUREMENTS_KEPT = 20;

/** Applies one event to a deployment. Pure: the same events always give the same state. */
export function applyEvent(state: Deployment | null, event: DeploymentEvent, at: number): Deployment {
  if (event.type === 'DeploymentCreated') return { ...event.deployment };
  if (!state) {
    throw new CutoverError(ErrorCode.Internal, `a ${event.type} event came before DeploymentCreated; the store's events of this deployment are out of order or damaged`);
  }
  const next: Deployment = { ...state, updatedAt: at };
  switch (event.type) {
    case 'StepStarted':
      next.stepIndex = event.index;
      next.stepStartedAt = at;
      next.pausedUntil = event.pausedUntil ?? null;
      // A pause requested just before the step started still holds: the step runs, then nothing more.
      next.phase = event.awaitingApproval ? 'AwaitingApproval' : event.paused || state.hold !== null ? 'Paused' : 'Progressing';
      next.message = state.hold !== null ? state.message : event.message;
      return next;
    case 'StepCompleted':
      next.stepIndex = event.index + 1;
      next.stepStartedAt = null;
      next.pausedUntil = null;
      next.promoteRequested = false;
      if ((next.phase === 'Paused' || next.phase === 'AwaitingApproval') && next.hold === null) next.phase = 'Progressing';
      return next;
    case 'Approved':
      next.approvedBy = event.by;
      next.message = `approved by ${event.by}`;
      return next;
    case 'WeightsChanged':
      next.weights = { ...event.weights };
      return next;
    case 'PromoteRequested':
      next.promoteRequested = true;
      next.hold = null;
      next.pausedBy = null;
      if (next.phase === 'Paused' && next.plan[next.stepIndex]?.type !== 'pause') next.phase = 'Progressing';
      next.message = `promote requested by ${event.by}`;
      return next;
    case 'PauseRequested':
      next.pausedBy = event.by;
      next.hold = `paused by ${event.by} at step ${Math.min(state.stepIndex + 1, state.plan.length)}/${state.plan.length}`;
      next.phase = 'Paused';
      next.message = `${next.hold}; run \`cutover promote ${state.service} --env ${state.environment}\` to resume or \`cutover abort ${state.service} --env ${state.environment}\` to roll back`;
      return next;
    case 'Resumed': {
      next.pausedBy = null;
      next.hold = null;
      const step = state.plan[state.stepIndex];
      const waiting = state.stepStartedAt !== null && (step?.type === 'pause' || (step?.type === 'approval' && !state.approvedBy));
      if (next.phase === 'Paused' && !waiting) next.phase = 'Progressing';
      next.message = `resumed by ${event.by}`;
      return next;
    }
    case 'FullPromotionRequested':
      next.plan = event.plan;
      next.planHash = event.planHash;
      next.promotedFullyBy = event.by;
      next.pausedBy = null;
      next.hold = null;
      next.promoteRequested = false;
      if (event.restartStep) {
        next.stepStartedAt = null;
        next.pausedUntil = null;
      }
      if (next.phase === 'Paused') next.phase = 'Progressing';
      next.message = `promoted to the end by ${event.by}: ${event.plan.length - state.stepIndex} step(s) left, no pauses or analyses`;
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
        ...(event.supersededBy !== undefined ? { supersededBy: event.supersededBy } : {}),
      };
      next.phase = 'Progressing';
      next.message = `${ENDING_VERB[event.phase]}: ${event.reason}`;
      return next;
    case 'Progress':
      next.message = event.message;
      return next;
    case 'AnalysisStarted':
      next.analyses = [...(state.analyses ?? []), event.analysis];
      return next;
    case 'AnalysisMeasured':
      next.analyses = (state.analyses ?? []).map((analysis) =>
        analysis.id !== event.id
          ? analysis
          : {
              ...analysis,
              metrics: analysis.metrics.map((metric) =>
                metric.name !== event.metric
                  ? metric
                  : { ...metric, phase: event.phase, counts: event.counts, measurements: [...metric.measurements, event.measurement].slice(-MEASUREMENTS_KEPT) },
              ),
            },
      );
      return next;
    case 'AnalysisFinished':
      next.analyses = (state.analyses ?? []).map((analysis) =>
        analysis.id === event.id ? { ...analysis, phase: event.phase, message: event.message, finishedAt: at } : analysis,
      );
      return next;
    case 'Held':
      next.hold = event.reason;
      next.phase = 'Paused';
      next.message = `${event.reason}; run \`cutover promote ${state.service}\` to continue or \`cutover abort ${state.service}\` to roll back`;
      return next;
    case 'Finished':
      next.phase = event.phase;
      next.message = event.message;
      next.finishedAt = at;
      next.pausedUntil = null;
      return next;
    default: {
      const unknown: never = event;
      throw unknownEvent(unknown);
    }
  }
}

/** Rebuilds a deployment from its whole history. */
export function foldEvents(events: { event: DeploymentEvent; at: number }[]): Deployment | null {
  let state: Deployment | null = null;
  for (const { event, at } of events) state = applyEvent(state, event, at);
  return state;
}

/** An event of a type this version does not know: written by a newer cutover, or damaged. */
export function unknownEvent(event: unknown): CutoverError {
  const type = (event as { type?: unknown } | null)?.type;
  return new CutoverError(ErrorCode.Internal, `the store has a deployment event of unknown type ${JSON.stringify(type)}; it was written by a newer cutover: run that version, or upgrade this one`, {
    context: { eventType: String(type) },
  });
}
