/**
 * Quantiles of every latency seen so far in bounded memory: log-spaced
 * buckets 2% wide from 0.01 ms to ~10 minutes (the idea of HdrHistogram and
 * DDSketch, Masson et al., VLDB 2019: a fixed relative error at any scale).
 * Reported quantiles are within 1% of a value in the bucket.
 */
const SMALLEST_MS = 0.01;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(600_000 / SMALLEST_MS) / LOG_GROWTH) + 1;

export interface LatencyQuantiles {
  n: number;
  p50: number;
  p99: number;
}

export interface LatencySummary {
  add(latenciesMs: readonly number[]): void;
  quantiles(): LatencyQuantiles;
}

export function createLatencySummary(): LatencySummary {
  const counts = new Float64Array(BUCKETS);
  let n = 0;
  const bucketOf = (ms: number): number =>
    ms <= SMALLEST_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / SMALLEST_MS) / LOG_GROWTH));
  // The geometric middle of a bucket's edges, within 1% of either.
  const valueOf = (bucket: number): number => (bucket === 0 ? SMALLEST_MS : SMALLEST_MS * GROWTH ** (bucket - 0.5));
  return {
    add(latenciesMs) {
      for (const ms of latenciesMs) counts[bucketOf(ms)]! += 1;
      n += latenciesMs.length;
    },
    quantiles() {
      if (n === 0) return { n, p50: 0, p99: 0 };
      // Nearest-rank quantiles, both in one pass.
      const ranks = [Math.ceil(0.5 * n), Math.ceil(0.99 * n)];
      const found: number[] = [];
      let seen = 0;
      for (let bucket = 0; bucket < BUCKETS && found.length < ranks.length; bucket++) {
        seen += counts[bucket]!;
        while (found.length < ranks.length && seen >= ranks[found.length]!) found.push(valueOf(bucket));
      }
      return { n, p50: found[0] ?? 0, p99: found[1] ?? 0 };
    },
  };
}
