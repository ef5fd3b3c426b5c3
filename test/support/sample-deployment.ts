import type { Deployment } from '../../src/core/deployment.ts';

/** For tests: a canary of hello 2.0.0 (revision 2) over revision 1 in production, created at t=1000. */
export function sampleDeployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: 7,
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
    stepIndex: 0,
    stepStartedAt: null,
    phase: 'Progressing',
    ending: null,
    pausedUntil: null,
    promoteRequested: false,
    weights: { '1': 100 },
    analyses: [],
    hold: null,
    message: 'deploying revision 2',
    author: 'admin',
    createdAt: 1000,
    updatedAt: 1000,
    finishedAt: null,
    ...overrides,
  };
}
