import { z } from 'zod';
import type { DeploymentEvent, DeploymentEventType } from '../../core/deployment.ts';
import type { StoredEvent } from '../../store/deployments.ts';

/** What an analysis concluded, worst first: the worst metric's verdict is the analysis's. */
export const AnalysisVerdict = {
  Failed: 'Failed',
  Error: 'Error',
  Inconclusive: 'Inconclusive',
  Successful: 'Successful',
} as const;
export type AnalysisVerdict = (typeof AnalysisVerdict)[keyof typeof AnalysisVerdict];

/**
 * The event an analysis step appends when it has decided. Metrics count the
 * verdict of each metric; alerts fire on an Inconclusive overall verdict.
 * `deployment` is only needed when the event is recorded outside a
 * deployment's history (StoredEvent.deployment null).
 */
export interface AnalysisCompleted {
  type: 'AnalysisCompleted';
  /** Index of the plan step that ran the analysis: with the deployment id it names the alert. */
  step: number;
  verdict: AnalysisVerdict;
  metrics: { name: string; verdict: AnalysisVerdict; value?: number | null; message?: string }[];
  /** Why it decided, in one sentence, for people. */
  message: string;
  deployment?: number;
}

const verdict = z.enum(['Successful', 'Failed', 'Inconclusive', 'Error']);
const analysisCompleted = z.object({
  type: z.literal('AnalysisCompleted'),
  step: z.number().int().min(0),
  verdict,
  metrics: z.array(
    z.object({ name: z.string(), verdict, value: z.number().nullable().optional(), message: z.string().optional() }),
  ),
  message: z.string(),
  deployment: z.number().int().optional(),
});

/** Every event monitoring reads. */
export type MonitoredEvent = DeploymentEvent | AnalysisCompleted;

const DEPLOYMENT_EVENT_TYPES: ReadonlySet<string> = new Set<DeploymentEventType>([
  'DeploymentCreated',
  'StepStarted',
  'StepCompleted',
  'WeightsChanged',
  'PromoteRequested',
  'Promoted',
  'EndRequested',
  'Progress',
  'Finished',
]);

/**
 * The typed event inside a stored one, or null for events monitoring does not
 * read. Deployment events were written by the store from the typed union, so
 * they are trusted; AnalysisCompleted comes from elsewhere and is checked, as
 * a malformed one must not break metrics or alerts.
 */
export function readEvent(stored: StoredEvent): MonitoredEvent | null {
  if (stored.type === 'AnalysisCompleted') {
    const parsed = analysisCompleted.safeParse(stored.data);
    return parsed.success ? parsed.data : null;
  }
  if (stored.deployment !== null && DEPLOYMENT_EVENT_TYPES.has(stored.type)) return stored.data as DeploymentEvent;
  return null;
}
