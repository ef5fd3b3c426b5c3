import { describe, expect, it } from 'vitest';
import type { RevisionStats } from '../../router/wire.ts';
import { readJsonPath } from './http.ts';
import { substitute } from './prometheus.ts';
import { difference, readQuery } from './router.ts';

const context = { service: 'hello', environment: 'staging', canaryRevision: 3, stableRevision: 2, signal: new AbortController().signal };

describe('substitute', () => {
  it('fills in the service, revisions and environment, and leaves unknown names alone', () => {
    expect(substitute('rate(x{service="{{service}}",revision="{{ revision }}",stable="{{stableRevision}}",env="{{environment}}",y="{{other}}"}[1m])', context)).toBe(
      'rate(x{service="hello",revision="3",stable="2",env="staging",y="{{other}}"}[1m])',
    );
  });
});

describe('readJsonPath', () => {
  it('reads nested fields and list items', () => {
    expect(readJsonPath({ data: { items: [{ v: 1 }, { v: 2 }] } }, '$.data.items[1].v')).toBe(2);
    expect(readJsonPath({ a: 1 }, '$')).toEqual({ a: 1 });
    expect(readJsonPath({ a: 1 }, '$.b.c')).toBeUndefined();
  });
});

const stats = (requests: number, errors: number, counts: number[]): RevisionStats => ({
  requests,
  errors5xx: errors,
  routerErrors: 0,
  latency: { buckets: [10, 100, 1000], counts, sumMs: 0, count: counts.at(-1)! },
});

describe('router queries over a window', () => {
  it('subtracts the snapshot at the start of the window', () => {
    const window = difference(stats(300, 12, [100, 250, 300]), stats(100, 2, [50, 90, 100]));
    expect(window.requests).toBe(200);
    expect(window.errors5xx).toBe(10);
    expect(window.latency.counts).toEqual([50, 160, 200]);
    expect(readQuery('errorRate', window, 10)).toBeCloseTo(0.05);
    expect(readQuery('requestRate', window, 10)).toBe(20);
  });
  it('reads latency quantiles from the cumulative histogram (interpolated within a bucket)', () => {
    const window = stats(100, 0, [50, 100, 100]);
    expect(readQuery('latencyP50', window, 1)).toBe(10);
    expect(readQuery('latencyP90', window, 1)).toBeCloseTo(10 + (90 * (90 - 50)) / 50);
  });
  it('has no error rate without requests (the caller reports it as inconclusive)', () => {
    expect(readQuery('errorRate', stats(0, 0, [0, 0, 0]), 1)).toBeUndefined();
  });
});
