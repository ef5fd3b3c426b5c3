import { describe, expect, it } from 'vitest';
import { emptyLatency } from '../histogram.ts';
import type { RevisionStats } from '../wire.ts';
import { addRevisionStats } from './aggregate.ts';

function revision(requests: number, classes: RevisionStats['statusClasses']): RevisionStats {
  return { requests, statusClasses: classes, errors5xx: classes?.['5xx'] ?? 0, routerErrors: 0, latency: emptyLatency() };
}

describe('addRevisionStats', () => {
  it('adds the workers\' counters, status classes included, so /metrics keeps its status_class label with workers on', () => {
    const into: Record<string, RevisionStats> = {};
    addRevisionStats(into, { '1': revision(3, { '2xx': 2, '5xx': 1 }) });
    addRevisionStats(into, { '1': revision(4, { '2xx': 3, '4xx': 1 }), '2': revision(1, { '2xx': 1 }) });
    expect(into['1']).toMatchObject({ requests: 7, errors5xx: 1, statusClasses: { '2xx': 5, '4xx': 1, '5xx': 1 } });
    expect(into['2']).toMatchObject({ requests: 1, statusClasses: { '2xx': 1 } });
  });
});
