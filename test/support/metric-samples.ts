import type { AnalysisView, MetricView } from '../../src/core/analysis.ts';
import { applyEvent, type Deployment, type DeploymentEvent } from '../../src/core/deployment.ts';
import type { RouterStats } from '../../src/router/wire.ts';
import type { StoredEvent } from '../../src/store/deployments.ts';

export { sampleDeployment } from './sample-deployment.ts';

/**
 * Records events the way the store does and hands each one to `observe`
 * with the state before it, as the control plane's caller will.
 */
export function replay(
  events: { event: DeploymentEvent; at: number }[],
  observe: (stored: StoredEvent, before: Deployment | null) => void,
): Deployment | null {
  let state: Deployment | null = null;
  let seq = 0;
  for (const { event, at } of events) {
    const before = state;
    state = applyEvent(state, event, at);
    observe({ seq: ++seq, deployment: state.id, service: state.service, environment: state.environment, type: event.type, data: event, at }, before);
  }
  return state;
}

/** A router's counters after a canary: revision 9 stable and busy, revision 10 new with one router error. */
export function sampleRouterStats(): RouterStats {
  const buckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
  return {
    service: 'hello',
    generation: 4,
    revisions: {
      '10': { requests: 3, errors5xx: 0, routerErrors: 1, latency: { buckets, counts: [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2], sumMs: 21.5, count: 2 } },
      '9': { requests: 120, errors5xx: 2, routerErrors: 0, latency: { buckets, counts: [5, 40, 90, 110, 115, 118, 119, 119, 119, 119, 119, 119, 119], sumMs: 612, count: 120 } },
    },
    backends: {
      'hello-9-a': { inFlight: 2, healthy: true, requests: 60 },
      'hello-10-a': { inFlight: 0, healthy: false, requests: 3 },
    },
  };
}

/**
 * The events of a step analysis at step 2 whose error rate passed and whose
 * p99 latency could not be judged: it finishes Inconclusive, and the engine holds.
 */
export function inconclusiveAnalysis(at: number): { event: DeploymentEvent; at: number }[] {
  const id = `7.2.step.${at.toString(36)}`;
  const counts = { successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveErrors: 0 };
  const metric = (name: string): MetricView => ({ name, provider: 'router', dryRun: false, phase: 'Running', counts, measurements: [], message: '' });
  const analysis: AnalysisView = {
    id,
    kind: 'step',
    stepIndex: 2,
    phase: 'Running',
    metrics: [metric('error-rate'), metric('p99-latency')],
    message: '',
    startedAt: at,
    finishedAt: null,
  };
  const message = 'p99-latency: too few requests to judge';
  return [
    { event: { type: 'AnalysisStarted', analysis }, at },
    {
      event: { type: 'AnalysisMeasured', id, metric: 'error-rate', measurement: { at: at + 1000, phase: 'Successful', value: 0.001 }, phase: 'Successful', counts: { ...counts, successful: 1 } },
      at: at + 1000,
    },
    {
      event: { type: 'AnalysisMeasured', id, metric: 'p99-latency', measurement: { at: at + 1000, phase: 'Inconclusive', message }, phase: 'Inconclusive', counts: { ...counts, inconclusive: 1 } },
      at: at + 1000,
    },
    { event: { type: 'AnalysisFinished', id, phase: 'Inconclusive', message }, at: at + 1001 },
    { event: { type: 'Held', reason: message }, at: at + 1002 },
  ];
}
