import type { RevisionStats, StatusClass } from '../../router/wire.ts';
import { emptyLatency } from '../../router/index.ts';

/**
 * The requests a service's counters must include that no line put there:
 * while HAProxy logs a share of its answers, each line logged stands for
 * several, and a 5xx line left out of the samples is still a request. Kept
 * apart from the TrafficStats the lines feed (which counts one request per
 * sample), with the same meaning per field, and added to its snapshot.
 */
export class UnsampledCounts {
  private readonly revisions = new Map<number, RevisionStats>();

  answered(revision: number, status: number, ms: number, n: number): void {
    if (n <= 0) return;
    const stats = this.count(revision, classOf(status), n);
    if (status >= 500) stats.errors5xx += n;
    const latency = stats.latency;
    latency.count += n;
    latency.sumMs += ms * n;
    for (let i = latency.buckets.length - 1; i >= 0 && ms <= (latency.buckets[i] ?? Infinity); i--) latency.counts[i] = (latency.counts[i] ?? 0) + n;
  }

  brokeOff(revision: number, n: number): void {
    if (n > 0) this.count(revision, '5xx', n).errors5xx += n;
  }

  routerError(revision: number, n: number): void {
    if (n > 0) this.count(revision, '5xx', n).routerErrors += n;
  }

  abandoned(revision: number, n: number): void {
    if (n > 0) this.count(revision, 'none', n);
  }

  /** Adds these counts to a snapshot of the lines' counters (revision → stats), in place. */
  addTo(snapshot: Record<string, RevisionStats>): void {
    for (const [revision, extra] of this.revisions) {
      const stats = (snapshot[String(revision)] ??= { requests: 0, statusClasses: {}, errors5xx: 0, routerErrors: 0, latency: emptyLatency() });
      stats.requests += extra.requests;
      const classes = (stats.statusClasses ??= {});
      for (const [name, n] of Object.entries(extra.statusClasses ?? {}) as [StatusClass, number][]) classes[name] = (classes[name] ?? 0) + n;
      stats.errors5xx += extra.errors5xx;
      stats.routerErrors += extra.routerErrors;
      stats.latency.count += extra.latency.count;
      stats.latency.sumMs += extra.latency.sumMs;
      stats.latency.counts = stats.latency.counts.map((n, i) => n + (extra.latency.counts[i] ?? 0));
    }
  }

  private count(revision: number, statusClass: StatusClass, n: number): RevisionStats {
    let stats = this.revisions.get(revision);
    if (!stats) {
      stats = { requests: 0, statusClasses: {}, errors5xx: 0, routerErrors: 0, latency: emptyLatency() };
      this.revisions.set(revision, stats);
    }
    stats.requests += n;
    const classes = (stats.statusClasses ??= {});
    classes[statusClass] = (classes[statusClass] ?? 0) + n;
    return stats;
  }
}

const CLASSES: readonly StatusClass[] = ['5xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** As the router's counters class a status (src/router/stats.ts): outside 100..599 is 5xx. */
function classOf(status: number): StatusClass {
  return CLASSES[Math.floor(status / 100)] ?? '5xx';
}
