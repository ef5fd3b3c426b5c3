import { describe, expect, it } from 'vitest';
import { trafficBatchFrom } from './traffic-batch.ts';

describe('trafficBatchFrom', () => {
  const samples = {
    revision: [2, 2, 1, 1, 2, 3, 2],
    status: [200, 500, 200, 503, 200, 500, 599],
    latencyMs: [10, 12, 11, 13, 50, 9, -1],
    routes: ['GET /', 'POST /orders'],
    route: [0, 1, 0, 1, 0, 0, 1],
    pinned: [0, 0, 0, 0, 1, 0, 0],
    instanceAgeMs: [5000, 5000, 60_000, 60_000, 5000, 5000, 1000],
  };

  it('leaves out pinned requests, instances still warming up and other revisions, and splits the rest by route', () => {
    const { batch, excluded } = trafficBatchFrom(samples, { canary: 2, stable: 1 }, 3000);
    expect(excluded).toEqual({ pinned: 1, warmingUp: 1 });
    expect(batch.canary).toEqual({ requests: 2, errors5xx: 1, latenciesMs: [10, 12] });
    expect(batch.stable).toEqual({ requests: 2, errors5xx: 1, latenciesMs: [11, 13] });
    expect(batch.routes).toEqual([
      { route: 'GET /', canary: { requests: 1, errors5xx: 0, latenciesMs: [10] }, stable: { requests: 1, errors5xx: 0, latenciesMs: [11] } },
      { route: 'POST /orders', canary: { requests: 1, errors5xx: 1, latenciesMs: [12] }, stable: { requests: 1, errors5xx: 1, latenciesMs: [13] } },
    ]);
  });

  it('takes samples from an older router (no routes, pins or ages) as one route, unpinned and warm', () => {
    const { batch, excluded } = trafficBatchFrom({ revision: [2, 1], status: [500, 200], latencyMs: [5, 6] }, { canary: 2, stable: 1 }, 3000);
    expect(excluded).toEqual({ pinned: 0, warmingUp: 0 });
    expect(batch.routes).toEqual([{ route: 'all', canary: { requests: 1, errors5xx: 1, latenciesMs: [5] }, stable: { requests: 1, errors5xx: 0, latenciesMs: [6] } }]);
  });
});
