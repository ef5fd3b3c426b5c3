import { MAX_ROUTES, type RequestSamples, type RevisionStats, type StatusClass } from './wire.ts';
import { emptyLatency, observeLatency } from './histogram.ts';

/**
 * What the router counts per revision, since it started. Counters only grow,
 * so whoever reads them (analysis) compares two snapshots.
 */
export class TrafficStats {
  private readonly revisions = new Map<number, RevisionStats>();
  /** The last answers one by one, for the canary judge: it compares canary and stable per request, not per bucket. */
  readonly samples = new SampleRing(SAMPLE_CAPACITY);

  /** The revision's instance answered; latency is measured to the last byte relayed. */
  answered(revision: number, status: number, ms: number, tags: SampleTags): void {
    const stats = this.of(revision);
    stats.requests += 1;
    count(stats, classOf(status));
    if (status >= 500) stats.errors5xx += 1;
    observeLatency(stats.latency, ms);
    this.samples.push(revision, status, ms, tags);
  }

  /** The instance started answering and then broke off: a failure of the revision, like a 5xx. */
  brokeOff(revision: number, tags: SampleTags): void {
    const stats = this.of(revision);
    stats.requests += 1;
    count(stats, '5xx');
    stats.errors5xx += 1;
    this.samples.push(revision, 599, -1, tags);
  }

  /** The router answered 502/503 itself. */
  routerError(revision: number): void {
    const stats = this.of(revision);
    stats.requests += 1;
    count(stats, '5xx');
    stats.routerErrors += 1;
  }

  /** An upgraded connection (a WebSocket) was opened to the revision: not a request the judge times. */
  tunnelOpened(revision: number): void {
    const stats = this.of(revision);
    (stats.tunnels ??= { opened: 0, closedOnDrain: 0 }).opened += 1;
  }

  /** The router closed a tunnel (1001) because its instance was drained. */
  tunnelClosedOnDrain(revision: number): void {
    const stats = this.of(revision);
    (stats.tunnels ??= { opened: 0, closedOnDrain: 0 }).closedOnDrain += 1;
  }

  /** The client went away first: a request, but nobody's failure and no latency. */
  abandoned(revision: number): void {
    const stats = this.of(revision);
    stats.requests += 1;
    count(stats, 'none');
  }

  snapshot(): Record<string, RevisionStats> {
    const copy: Record<string, RevisionStats> = {};
    for (const [revision, stats] of this.revisions) copy[String(revision)] = structuredClone(stats);
    return copy;
  }

  private of(revision: number): RevisionStats {
    let stats = this.revisions.get(revision);
    if (!stats) {
      stats = { requests: 0, statusClasses: {}, errors5xx: 0, routerErrors: 0, latency: emptyLatency() };
      this.revisions.set(revision, stats);
    }
    return stats;
  }
}

const CLASSES: readonly StatusClass[] = ['5xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** 200 -> 2xx; a status outside 100..599 counts as 5xx (the instance answered nonsense). */
function classOf(status: number): StatusClass {
  return CLASSES[Math.floor(status / 100)] ?? '5xx';
}

function count(stats: RevisionStats, statusClass: StatusClass): void {
  const classes = (stats.statusClasses ??= {});
  classes[statusClass] = (classes[statusClass] ?? 0) + 1;
}

/** Enough for a minute at ~1,500 requests/s between two reads by the control plane. */
export const SAMPLE_CAPACITY = 100_000;

/** What the judge needs to compare like with like: which route, whether the weights chose the revision, how warm the instance was. */
export interface SampleTags {
  /** Method and path template (routeKey). */
  route: string;
  /** The header or the preview port chose the revision. */
  pinned: boolean;
  instanceAgeMs: number;
}

const OTHER_ROUTE = 'other';

/** A fixed ring of the latest answers, in typed arrays so recording costs no allocation. */
export class SampleRing {
  private readonly revisions: Int32Array;
  private readonly statuses: Int16Array;
  private readonly latencies: Float32Array;
  private readonly routeIndexes: Uint8Array;
  private readonly pins: Uint8Array;
  private readonly ages: Float64Array;
  /** Route keys seen, in order of first sight: at most MAX_ROUTES, then "other" (clients choose paths). */
  private readonly routes: string[] = [];
  private readonly routeIndex = new Map<string, number>();
  private next = 0;

  constructor(private readonly capacity: number) {
    this.revisions = new Int32Array(capacity);
    this.statuses = new Int16Array(capacity);
    this.latencies = new Float32Array(capacity);
    this.routeIndexes = new Uint8Array(capacity);
    this.pins = new Uint8Array(capacity);
    this.ages = new Float64Array(capacity);
  }

  push(revision: number, status: number, latencyMs: number, tags: SampleTags): void {
    const slot = this.next % this.capacity;
    this.revisions[slot] = revision;
    this.statuses[slot] = status;
    this.latencies[slot] = latencyMs;
    this.routeIndexes[slot] = this.indexOf(tags.route);
    this.pins[slot] = tags.pinned ? 1 : 0;
    this.ages[slot] = tags.instanceAgeMs;
    this.next += 1;
  }

  /** Samples recorded after sequence number `after` (0 = from the oldest kept), at most `limit`. */
  after(after: number, limit = this.capacity): RequestSamples {
    const oldest = Math.max(0, this.next - this.capacity);
    const from = Math.max(after, oldest);
    const to = Math.min(this.next, from + limit);
    const out = { seq: to, dropped: from - Math.min(after, from), revision: [] as number[], status: [] as number[], latencyMs: [] as number[], routes: [...this.routes], route: [] as number[], pinned: [] as number[], instanceAgeMs: [] as number[] };
    for (let i = from; i < to; i++) {
      const slot = i % this.capacity;
      out.revision.push(this.revisions[slot]!);
      out.status.push(this.statuses[slot]!);
      out.latencyMs.push(Math.round(this.latencies[slot]! * 1000) / 1000);
      out.route.push(this.routeIndexes[slot]!);
      out.pinned.push(this.pins[slot]!);
      out.instanceAgeMs.push(Math.round(this.ages[slot]!));
    }
    return out;
  }

  private indexOf(route: string): number {
    const known = this.routeIndex.get(route);
    if (known !== undefined) return known;
    const key = this.routes.length < MAX_ROUTES ? route : OTHER_ROUTE;
    const index = this.routeIndex.get(key) ?? this.routes.push(key) - 1;
    this.routeIndex.set(key, index);
    return index;
  }
}
