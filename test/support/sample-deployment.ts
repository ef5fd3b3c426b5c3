import type { Deployment } from '../../src/core/deployment.ts';
import { newDeployment } from '../../src/core/deployment.ts';

/** For tests: a canary of hello 2.0.0 (revision 2) over revision 1 in production, created at t=1000. */
export function sampleDeployment(overrides: Partial<Deployment> = {}): Deployment {
  const start = newDeployment({
    service: 'hello',
    environment: 'production',
    kind: 'apply',
    revision: 2,
    version: '2.0.0',
    previousRevision: 1,
    stableRevision: 1,
    strategy: 'canary',
    plan: [{ type: 'scale', role: 'canary', replicas: 1 }, { type: 'setWeight', canary: 20 }, { type: 'pause' }, { type: 'promote' }],
    planHash: 'abc',
    weights: { '1': 100 },
    message: 'deploying revision 2',
    author: 'admin',
    at: 1000,
  });
  return { id: 7, ...start, ...overrides };
}
