import type { DeploymentEvent, DeploymentEventType } from '../../core/deployment.ts';
import type { StoredEvent } from '../../store/deployments.ts';

// A Record, not a list, so adding an event type to the union fails to compile here until it is listed.
export const DEPLOYMENT_EVENT_TYPES: Record<DeploymentEventType, true> = {
  DeploymentCreated: true,
  StepStarted: true,
  Approved: true,
  StepCompleted: true,
  WeightsChanged: true,
  PromoteRequested: true,
  PauseRequested: true,
  Resumed: true,
  FullPromotionRequested: true,
  Promoted: true,
  EndRequested: true,
  Progress: true,
  AnalysisStarted: true,
  AnalysisMeasured: true,
  AnalysisFinished: true,
  Held: true,
  Finished: true,
};

/**
 * The deployment event inside a stored one, or null for the service notes
 * (router restarts, deletes) that are not part of a deployment's history.
 * The store wrote `data` from the typed union, so it is trusted.
 */
export function readEvent(stored: StoredEvent): DeploymentEvent | null {
  if (stored.deployment === null || !Object.hasOwn(DEPLOYMENT_EVENT_TYPES, stored.type)) return null;
  return stored.data as DeploymentEvent;
}
