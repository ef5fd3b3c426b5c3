import type { AnalysisView } from '../../src/core/analysis.ts';
import type { Deployment } from '../../src/core/deployment.ts';
import { sampleDeployment } from './sample-deployment.ts';
import type { StoredEvent } from '../../src/store/deployments.ts';
import type { Alert } from '../../src/monitoring/alerts/alert.ts';

/** A canary of hello 2.0.0 over revision 1 in production, created at t=1000, at 20% in its first step. */
export function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return sampleDeployment({ stepStartedAt: 1000, weights: { '1': 80, '2': 20 }, message: '', ...overrides });
}

/** A stored event of deployment 7, as the store hands it to listeners. */
export function stored(data: { type: string; [key: string]: unknown }, at = 50_000): StoredEvent {
  return { seq: 1, deployment: 7, service: 'hello', environment: 'development', type: data.type, data, at };
}

/** A finished step analysis at step 1 whose p99 latency was inconclusive. */
export function inconclusiveAnalysis(finishedAt: number | null): AnalysisView {
  const counts = { successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveErrors: 0 };
  return {
    id: '7.1.step.k1',
    kind: 'step',
    stepIndex: 1,
    phase: finishedAt === null ? 'Running' : 'Inconclusive',
    metrics: [
      { name: 'error-rate', provider: 'router', dryRun: false, phase: 'Successful', counts: { ...counts, successful: 1 }, measurements: [], message: '' },
      { name: 'p99-latency', provider: 'router', dryRun: false, phase: 'Inconclusive', counts: { ...counts, inconclusive: 1 }, measurements: [], message: '' },
    ],
    message: '',
    startedAt: 2000,
    finishedAt,
  };
}

export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'deployment-rolled-back:7',
    rule: 'deployment-rolled-back',
    severity: 'warning',
    service: 'hello',
    environment: 'production',
    deployment: 7,
    summary: 'hello 2.0.0 (deployment 7, production) rolled back to revision 1: instance hello-2-a exited',
    details: { revision: 2, version: '2.0.0', code: 'InstanceExited', reason: 'exit code 1 <stderr & more>' },
    at: 1_700_000_000_000,
    ...overrides,
  };
}
