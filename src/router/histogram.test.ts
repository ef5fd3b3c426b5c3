import { describe, expect, it } from 'vitest';
import { emptyLatency, latencyQuantile, observeLatency } from './histogram.ts';

describe('latency histogram', () => {
  it('counts cumulatively, like Prometheus le buckets, with +Inf as the total', () => {
    const histogram = emptyLatency();
    for (const ms of [0.5, 3, 3, 70, 20_000]) observeLatency(histogram, ms);

    expect(histogram.count).toBe(5);
    expect(histogram.sumMs).toBe(20_076.5);
    const at = (bound: number): number | undefined => histogram.counts[histogram.buckets.indexOf(bound)];
    expect([at(1), at(2), at(5), at(50), at(100), at(10_000)]).toEqual([1, 1, 3, 3, 4, 4]);
  });

  it('estimates quantiles inside the bucket they fall in', () => {
    const histogram = emptyLatency();
    for (let i = 0; i < 100; i++) observeLatency(histogram, i < 90 ? 8 : 400);

    expect(latencyQuantile(histogram, 0.5)).toBeGreaterThan(5);
    expect(latencyQuantile(histogram, 0.5)).toBeLessThanOrEqual(10);
    expect(latencyQuantile(histogram, 0.99)).toBeGreaterThan(250);
    expect(latencyQuantile(histogram, 0.99)).toBeLessThanOrEqual(500);
    expect(latencyQuantile(emptyLatency(), 0.5)).toBeUndefined();
  });
});
