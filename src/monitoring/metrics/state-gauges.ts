import { Gauge, type Registry } from 'prom-client';
import type { AnalysisPhase } from '../../core/analysis.ts';
import type { Deployment } from '../../core/deployment.ts';
import { hasProgressDeadline } from '../../core/progress-deadline.ts';
import { Phase, type Weights } from '../../core/types.ts';

/** One service as the state gauges read it at each scrape. */
export interface ServiceState {
  service: string;
  environment: string;
  /** The traffic split the router serves now (revision -> percent). */
  weights: Weights;
  /** The service's latest deployment, finished or not; null before the first. */
  deployment: Deployment | null;
  /** The progressDeadline of the deployment's revision, in ms. */
  progressDeadlineMs?: number;
}

const PHASES = Object.values(Phase);
const ANALYSIS_PHASES: readonly AnalysisPhase[] = ['Running', 'Successful', 'Failed', 'Inconclusive', 'Error'];

/**
 * Gauges of what is true now, for alerts on "paused for 30 minutes" and
 * graphs of the weight (Argo Rollouts' rollout_info and
 * analysis_run_metric_phase, Flagger's canary_status and canary_weight).
 * Read from the store at each scrape, so they cannot drift from it; every
 * phase is reported as 0 or 1, so a series does not vanish when it ends.
 */
export function registerStateGauges(registry: Registry, source: () => readonly ServiceState[]): void {
  const registers = [registry];
  const service = ['service', 'environment'] as const;
  // One collect (the first gauge's) fills every gauge, from one read of the store.
  const phase = new Gauge({ name: 'cutover_service_phase', help: "1 for the phase of the service's latest deployment, 0 for the others.", labelNames: [...service, 'phase'], registers, collect: () => fill() });
  const weight = new Gauge({ name: 'cutover_revision_weight', help: 'Percent of requests each revision gets now; role is canary (being deployed), stable, or previous.', labelNames: [...service, 'revision', 'role'], registers });
  const step = new Gauge({ name: 'cutover_deployment_step', help: 'Index (from 0) of the step a deployment in progress is at.', labelNames: service, registers });
  const steps = new Gauge({ name: 'cutover_deployment_steps', help: 'Number of steps of the plan of a deployment in progress.', labelNames: service, registers });
  const stepStarted = new Gauge({ name: 'cutover_step_started_timestamp_seconds', help: 'When the current step began, for a step bound by progressDeadline.', labelNames: service, registers });
  const deadline = new Gauge({ name: 'cutover_progress_deadline_seconds', help: 'The progressDeadline of the current step; past it the deployment rolls back.', labelNames: service, registers });
  const analysis = new Gauge({
    name: 'cutover_analysis_metric_phase',
    help: "1 for the phase of each metric of the latest deployment's analyses, 0 for the others.",
    labelNames: [...service, 'analysis', 'metric', 'phase'],
    registers,
  });
  const all = [phase, weight, step, steps, stepStarted, deadline, analysis];

  function fill(): void {
    for (const gauge of all) gauge.reset();
    let states: readonly ServiceState[];
    try {
      states = source();
    } catch {
      return; // a failing store empties these gauges rather than failing the whole scrape
    }
    for (const state of states) {
      const labels = { service: state.service, environment: state.environment };
      const d = state.deployment;
      for (const [revision, percent] of Object.entries(state.weights)) weight.set({ ...labels, revision, role: roleOf(Number(revision), d) }, percent);
      if (!d) continue;
      for (const candidate of PHASES) phase.set({ ...labels, phase: candidate }, candidate === d.phase ? 1 : 0);
      for (const view of d.analyses) {
        for (const metric of view.metrics) {
          for (const candidate of ANALYSIS_PHASES) analysis.set({ ...labels, analysis: view.id, metric: metric.name, phase: candidate }, candidate === metric.phase ? 1 : 0);
        }
      }
      if (d.finishedAt !== null) continue;
      step.set(labels, d.stepIndex);
      steps.set(labels, d.plan.length);
      const current = d.plan[d.stepIndex];
      if (current && hasProgressDeadline(current) && d.stepStartedAt !== null && state.progressDeadlineMs !== undefined) {
        stepStarted.set(labels, d.stepStartedAt / 1000);
        deadline.set(labels, state.progressDeadlineMs / 1000);
      }
    }
  }
}

function roleOf(revision: number, d: Deployment | null): 'canary' | 'stable' | 'previous' {
  if (!d) return 'stable';
  if (revision === d.stableRevision) return 'stable';
  if (revision === d.revision) return 'canary';
  return 'previous';
}
