import type { RevisionStats, RouterStats } from '../../router/wire.ts';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { latencyQuantile } from '../../router/index.ts';
import type { MetricProviderSpec } from '../../spec/types.ts';
import type { TrafficRouter } from '../../traffic/traffic-router.ts';
import type { MeasureContext } from '../types.ts';
import type { MetricProvider } from './provider.ts';

type Spec = Extract<MetricProviderSpec, { type: 'router' }>;

/** The counters of one revision between two snapshots. */
export function difference(now: RevisionStats | undefined, then: RevisionStats | undefined): RevisionStats {
  const zero: RevisionStats = { requests: 0, errors5xx: 0, routerErrors: 0, latency: { buckets: now?.latency.buckets ?? [], counts: (now?.latency.buckets ?? []).map(() => 0), sumMs: 0, count: 0 } };
  if (!now) return zero;
  if (!then) return now;
  return {
    requests: now.requests - then.requests,
    errors5xx: now.errors5xx - then.errors5xx,
    routerErrors: now.routerErrors - then.routerErrors,
    latency: {
      buckets: now.latency.buckets,
      counts: now.latency.counts.map((count, i) => count - (then.latency.counts[i] ?? 0)),
      sumMs: now.latency.sumMs - then.latency.sumMs,
      count: now.latency.count - then.latency.count,
    },
  };
}

/** What a router query reads from one revision's counters over `seconds`. */
export function readQuery(query: Spec['query'], stats: RevisionStats, seconds: number): number | undefined {
  switch (query) {
    case 'requests':
      return stats.requests;
    case 'errors':
      return stats.errors5xx;
    case 'requestRate':
      return seconds > 0 ? stats.requests / seconds : undefined;
    case 'errorRate':
      return stats.requests > 0 ? stats.errors5xx / stats.requests : undefined;
    case 'latencyP50':
      return latencyQuantile(stats.latency, 0.5);
    case 'latencyP90':
      return latencyQuantile(stats.latency, 0.9);
    case 'latencyP99':
      return latencyQuantile(stats.latency, 0.99);
    default: {
      const unknown: never = query;
      throw new CutoverError(ErrorCode.InvalidSpec, `no router query named ${JSON.stringify(unknown)}; use requestRate, errorRate, latencyP50, latencyP90 or latencyP99`);
    }
  }
}

/**
 * The built-in router's counters for the canary or the stable revision over
 * a sliding window. The router's counters only grow, so each measurement is
 * the difference with the snapshot taken `window` ago (or the oldest one
 * this analysis has, at its start).
 */
export class RouterProvider implements MetricProvider {
  readonly type = 'router';
  private readonly snapshots: { at: number; stats: RouterStats }[] = [];

  constructor(
    private readonly spec: Spec,
    private readonly traffic: TrafficRouter,
  ) {}

  /** The baseline: measurements cover what happened after the analysis started. */
  async start(context: MeasureContext): Promise<void> {
    this.snapshots.push({ at: Date.now(), stats: await this.traffic.stats(context) });
  }

  async measure(context: MeasureContext) {
    const now = Date.now();
    const stats = await this.traffic.stats(context);
    this.snapshots.push({ at: now, stats });
    while (this.snapshots.length > 2 && this.snapshots[1]!.at <= now - this.spec.windowMs) this.snapshots.shift();
    const base = this.snapshots[0]!;
    const revision = this.spec.revision === 'canary' ? context.canaryRevision : context.stableRevision;
    if (revision === null) return { phase: 'Error' as const, message: 'there is no stable revision to measure' };
    const window = difference(stats.revisions[String(revision)], base === this.snapshots.at(-1) ? stats.revisions[String(revision)] : base.stats.revisions[String(revision)]);
    const value = readQuery(this.spec.query, window, (now - base.at) / 1000);
    if (value === undefined) return { phase: 'Inconclusive' as const, message: `no requests reached revision ${revision} in the window yet` };
    return { value, message: `${window.requests} requests, ${window.errors5xx} 5xx over ${Math.round((now - base.at) / 1000)}s` };
  }
}
