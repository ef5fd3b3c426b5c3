import { emptyLatency } from '../histogram.ts';
import type { RevisionStats, RouterStats } from '../wire.ts';

/** Adds `from` into `into`: the counters of several workers as one router's. */
export function addRevisionStats(into: Record<string, RevisionStats>, from: Record<string, RevisionStats>): void {
  for (const [revision, stats] of Object.entries(from)) {
    const sum = (into[revision] ??= { requests: 0, errors5xx: 0, routerErrors: 0, latency: emptyLatency() });
    sum.requests += stats.requests;
    sum.errors5xx += stats.errors5xx;
    sum.routerErrors += stats.routerErrors;
    sum.latency.sumMs += stats.latency.sumMs;
    sum.latency.count += stats.latency.count;
    for (let i = 0; i < sum.latency.counts.length; i++) sum.latency.counts[i]! += stats.latency.counts[i] ?? 0;
    if (stats.statusClasses) {
      const classes = (sum.statusClasses ??= {});
      for (const [name, count] of Object.entries(stats.statusClasses) as [keyof typeof classes, number][]) {
        classes[name] = (classes[name] ?? 0) + count;
      }
    }
    if (stats.tunnels) {
      const tunnels = (sum.tunnels ??= { opened: 0, closedOnDrain: 0 });
      tunnels.opened += stats.tunnels.opened;
      tunnels.closedOnDrain += stats.tunnels.closedOnDrain;
    }
  }
}

/**
 * One router's stats from its workers' and from the counters of workers that
 * died (`departed`), so totals keep growing across a worker restart. An
 * instance is healthy when every worker sees it so; its requests in flight
 * are those of all live workers.
 */
export function combineStats(service: string, generation: number, workers: readonly RouterStats[], departed: Record<string, RevisionStats>): RouterStats {
  const revisions: Record<string, RevisionStats> = {};
  addRevisionStats(revisions, departed);
  const backends: RouterStats['backends'] = {};
  for (const stats of workers) {
    addRevisionStats(revisions, stats.revisions);
    for (const [id, backend] of Object.entries(stats.backends)) {
      const sum = backends[id];
      backends[id] = sum
        ? { inFlight: sum.inFlight + backend.inFlight, healthy: sum.healthy && backend.healthy, requests: sum.requests + backend.requests }
        : { ...backend };
    }
  }
  return { service, generation, revisions, backends };
}
