import { describe, expect, it } from 'vitest';
import { createLatencySummary } from './latency-summary.ts';

describe('createLatencySummary', () => {
  it('answers the nearest-rank median and p99 within 1%', () => {
    // 1..1000 ms: the nearest-rank p50 is 500 and p99 is 990.
    const summary = createLatencySummary();
    summary.add(Array.from({ length: 1000 }, (_, i) => i + 1));
    const { n, p50, p99 } = summary.quantiles();
    expect(n).toBe(1000);
    expect(Math.abs(p50 / 500 - 1)).toBeLessThan(0.01);
    expect(Math.abs(p99 / 990 - 1)).toBeLessThan(0.01);
  });

  it('keeps counting across batches and answers zeros before any sample', () => {
    const summary = createLatencySummary();
    expect(summary.quantiles()).toEqual({ n: 0, p50: 0, p99: 0 });
    summary.add([20, 20]);
    summary.add([20, 40_000]);
    expect(summary.quantiles().n).toBe(4);
    expect(Math.abs(summary.quantiles().p50 / 20 - 1)).toBeLessThan(0.01);
  });
});
