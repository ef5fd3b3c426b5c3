import type { RevisionStats } from './wire.ts';

export type LatencyHistogram = RevisionStats['latency'];

/**
 * Upper bounds of the latency buckets, in milliseconds. The +Inf bucket is
 * implicit: it holds every observation, so its count is `count`.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/**
 * An empty histogram. `counts[i]` is cumulative, like Prometheus' `le`
 * buckets: how many observations were at most `buckets[i]` ms. Cumulative
 * counts subtract cleanly between two snapshots, which is how analysis reads
 * a window of traffic.
 */
export function emptyLatency(): LatencyHistogram {
  return { buckets: [...LATENCY_BUCKETS_MS], counts: LATENCY_BUCKETS_MS.map(() => 0), sumMs: 0, count: 0 };
}

export function observeLatency(histogram: LatencyHistogram, ms: number): void {
  histogram.count += 1;
  histogram.sumMs += ms;
  for (let i = histogram.buckets.length - 1; i >= 0 && ms <= (histogram.buckets[i] ?? Infinity); i--) {
    histogram.counts[i] = (histogram.counts[i] ?? 0) + 1;
  }
}

/**
 * The q-quantile (0..1) estimated by linear interpolation inside the bucket
 * it falls in; undefined with no observations. Above the last bound it
 * answers the last bound, as nothing more precise is known.
 */
export function latencyQuantile(histogram: LatencyHistogram, q: number): number | undefined {
  if (histogram.count === 0) return undefined;
  const rank = q * histogram.count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < histogram.buckets.length; i++) {
    const bound = histogram.buckets[i] ?? 0;
    const count = histogram.counts[i] ?? 0;
    if (count >= rank) {
      const inBucket = count - lowerCount;
      return inBucket === 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
