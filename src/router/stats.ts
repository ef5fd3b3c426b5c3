import type { RevisionStats } from '../core/types.ts';
import { emptyLatency, observeLatency } from './histogram.ts';

/**
 * What the router counts per revision, since it started. Counters only grow,
 * so whoever reads them (analysis) compares two snapshots.
 */
export class TrafficStats {
  private readonly revisions = new Map<number, RevisionStats>();

  /** The revision's instance answered; latency is measured to the last byte relayed. */
  answered(revision: number, status: number, ms: number): void {
    const stats = this.of(revision);
    stats.requests += 1;
    if (status >= 500) stats.errors5xx += 1;
    observeLatency(stats.latency, ms);
  }

  /** The instance started answering and then broke off: a failure of the revision, like a 5xx. */
  brokeOff(revision: number): void {
    const stats = this.of(revision);
    stats.requests += 1;
    stats.errors5xx += 1;
  }

  /** The router answered 502/503 itself. */
  routerError(revision: number): void {
    const stats = this.of(revision);
    stats.requests += 1;
    stats.routerErrors += 1;
  }

  /** The client went away first: a request, but nobody's failure and no latency. */
  abandoned(revision: number): void {
    this.of(revision).requests += 1;
  }

  snapshot(): Record<string, RevisionStats> {
    const copy: Record<string, RevisionStats> = {};
    for (const [revision, stats] of this.revisions) copy[String(revision)] = structuredClone(stats);
    return copy;
  }

  private of(revision: number): RevisionStats {
    let stats = this.revisions.get(revision);
    if (!stats) {
      stats = { requests: 0, errors5xx: 0, routerErrors: 0, latency: emptyLatency() };
      this.revisions.set(revision, stats);
    }
    return stats;
  }
}
