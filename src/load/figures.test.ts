import { describe, expect, it } from 'vitest';
import { identify, lastVersions, percentile } from './figures.ts';
import type { LoadReport, ResponseRecord } from './types.ts';

function reportOf(timeline: ResponseRecord[], durationMs: number): LoadReport {
  return {
    startedAt: 0,
    durationMs,
    sent: timeline.length,
    ok: timeline.filter((r) => r.ok).length,
    failed: timeline.filter((r) => !r.ok).length,
    inFlight: 0,
    failedBy: {},
    failures: [],
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    byVersion: {},
    byRevision: {},
    timeline,
  };
}

describe('percentile', () => {
  it('is 0 for no values', () => {
    expect(percentile([], 50)).toBe(0);
  });

  it('takes the nearest rank, whatever the order of the values', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
  });

  it('clamps p to 0–100', () => {
    expect(percentile([1, 2, 3], -5)).toBe(1);
    expect(percentile([1, 2, 3], 500)).toBe(3);
  });
});

describe('lastVersions', () => {
  it('counts the versions answered in the last window only, and names answers without one by status', () => {
    const at = (ms: number, version?: string, status = 200): ResponseRecord => ({ at: ms, latencyMs: 1, ok: status < 300, status, ...(version ? { version } : {}) });
    const report = reportOf([at(100, '1.0.0'), at(900, '1.0.0'), at(950, '2.0.0'), at(960, '2.0.0'), at(990, undefined, 503)], 1000);
    expect(lastVersions(report, 200)).toEqual({ '1.0.0': 1, '2.0.0': 2, '(status 503)': 1 });
    expect(lastVersions(report, 1000)).toEqual({ '1.0.0': 2, '2.0.0': 2, '(status 503)': 1 });
  });
});

describe('identify', () => {
  it('reads version and revision from a JSON body, as strings', () => {
    expect(identify('{"version":"2.0.0","revision":3}')).toEqual({ version: '2.0.0', revision: '3' });
  });

  it('finds nothing in a body that is not JSON, not an object, or names neither', () => {
    expect(identify('ok')).toEqual({});
    expect(identify('{not json')).toEqual({});
    expect(identify('[1,2]')).toEqual({});
    expect(identify('{"version":null}')).toEqual({});
  });
});
