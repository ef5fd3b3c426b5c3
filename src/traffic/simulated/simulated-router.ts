import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { describeRef, pickRef, serviceKey, type ServiceRef } from '../../core/types.ts';
import type { SimulatedPlatform } from '../../platforms/index.ts';
import { emptyLatency, observeLatency } from '../../router/index.ts';
import type { RequestSamples, RevisionStats, RouterStats } from '../../router/wire.ts';
import type { TrafficConfig, TrafficRouter } from '../traffic-router.ts';

export interface SimulatedTrafficOptions {
  /** Requests each service receives per second of wall time. @default 50 */
  requestsPerSecond?: number;
  /** The most requests synthesised per read, so a service nobody read for an hour costs one read's worth. @default 5000 */
  maxPerRead?: number;
  now?: () => number;
}

/** Samples kept per service for the judge (typed arrays: 10 bytes each). */
const SAMPLE_CAPACITY = 2048;

interface ServiceTraffic {
  config: TrafficConfig;
  generation: number;
  lastAt: number;
  /** Fractional requests carried to the next read. */
  carry: number;
  revisions: Map<number, RevisionStats>;
  backends: Map<string, { inFlight: number; healthy: boolean; requests: number }>;
  turn: number;
  seq: number;
  ring: { revision: Int32Array; status: Int16Array; latency: Float32Array } | null;
  random: () => number;
}

/**
 * A traffic router with no data plane: it keeps each service's config and,
 * whenever it is read, synthesises the requests that wall time since the last
 * read would have brought, split by the config's weights over the instances
 * in rotation and answered with each simulated instance's configured outcomes
 * (error rate, latency). Counters and samples have the built-in router's
 * shape, so the real analysis and judge run on them. It fakes traffic: it is
 * used for environments whose server config says `platform: simulated`, never
 * chosen by a spec.
 */
export class SimulatedTrafficRouter implements TrafficRouter {
  readonly type = 'simulated';
  private readonly services = new Map<string, ServiceTraffic>();
  private readonly rate: number;
  private readonly maxPerRead: number;
  private readonly now: () => number;

  constructor(
    private readonly platform: SimulatedPlatform,
    options: SimulatedTrafficOptions = {},
  ) {
    this.rate = options.requestsPerSecond ?? 50;
    this.maxPerRead = options.maxPerRead ?? 5000;
    this.now = options.now ?? Date.now;
  }

  apply(config: TrafficConfig): Promise<void> {
    const key = serviceKey(config);
    const existing = this.services.get(key);
    if (existing) {
      // Requests up to now were served by the previous config.
      this.advance(existing);
      existing.config = config;
      existing.generation += 1;
    } else {
      this.services.set(key, {
        config, generation: 1, lastAt: this.now(), carry: 0, revisions: new Map(), backends: new Map(), turn: 0, seq: 0, ring: null, random: seeded(key),
      });
    }
    return Promise.resolve();
  }

  serving(ref: ServiceRef): Promise<string | null> {
    return Promise.resolve(this.services.has(serviceKey(ref)) ? null : `service ${describeRef(ref)} has no simulated router`);
  }

  /** Nothing listens: the engine must not look for a socket on the service's port. */
  listensOnPort(): boolean {
    return false;
  }

  /** Requests are synthesised whole at each read: none is ever in flight. */
  drain(): Promise<{ drained: boolean; inFlight: number }> {
    return Promise.resolve({ drained: true, inFlight: 0 });
  }

  stats(ref: ServiceRef): Promise<RouterStats> {
    const state = this.require(ref);
    this.advance(state);
    const revisions: Record<string, RevisionStats> = {};
    for (const [revision, stats] of state.revisions) revisions[String(revision)] = structuredClone(stats);
    return Promise.resolve({ ...pickRef(ref), generation: state.generation, revisions, backends: Object.fromEntries([...state.backends].map(([id, b]) => [id, { ...b }])) });
  }

  samples(ref: ServiceRef, after: number): Promise<RequestSamples> {
    const state = this.require(ref);
    this.advance(state);
    const oldest = Math.max(0, state.seq - SAMPLE_CAPACITY);
    const from = Math.max(after, oldest);
    const out: RequestSamples = { seq: state.seq, dropped: from - Math.min(after, from), revision: [], status: [], latencyMs: [], routes: ['GET /'], route: [], pinned: [], instanceAgeMs: [] };
    for (let i = from; i < state.seq && state.ring; i++) {
      const slot = i % SAMPLE_CAPACITY;
      out.revision.push(state.ring.revision[slot]!);
      out.status.push(state.ring.status[slot]!);
      out.latencyMs.push(Math.round(state.ring.latency[slot]! * 1000) / 1000);
      out.route!.push(0);
      out.pinned!.push(0);
      // Every simulated instance is warm: the judge's warm-up exclusion has nothing to leave out.
      out.instanceAgeMs!.push(60_000);
    }
    return Promise.resolve(out);
  }

  /** No process to die. */
  supervise(): Promise<ServiceRef[]> {
    return Promise.resolve([]);
  }

  remove(ref: ServiceRef): Promise<void> {
    this.services.delete(serviceKey(ref));
    return Promise.resolve();
  }

  sweep(owned: () => ServiceRef[]): Promise<number> {
    const keep = new Set(owned().map(serviceKey));
    let stopped = 0;
    for (const key of [...this.services.keys()]) {
      if (keep.has(key)) continue;
      this.services.delete(key);
      stopped++;
    }
    return Promise.resolve(stopped);
  }

  private require(ref: ServiceRef): ServiceTraffic {
    const state = this.services.get(serviceKey(ref));
    if (!state) throw new CutoverError(ErrorCode.RouterUnavailable, `service ${describeRef(ref)} has no simulated router yet; it gets one at its first deployment`, { context: { ...pickRef(ref) } });
    return state;
  }

  /** Synthesises the requests since the last read, with the config that was serving them. */
  private advance(state: ServiceTraffic): void {
    const now = this.now();
    const due = ((now - state.lastAt) / 1000) * this.rate + state.carry;
    state.lastAt = now;
    const count = Math.floor(due);
    state.carry = due - count;
    for (let i = 0; i < Math.min(count, this.maxPerRead); i++) this.request(state);
  }

  private request(state: ServiceTraffic): void {
    const revision = pickRevision(state.config.weights, state.random());
    if (revision === null) return;
    const stats = statsOf(state.revisions, revision);
    stats.requests += 1;
    const candidates = state.config.backends.filter((b) => b.revision === revision && b.inRotation && this.platform.isRunning(b.id, null));
    const backend = candidates[state.turn++ % Math.max(1, candidates.length)];
    const outcomes = backend ? this.platform.instance(backend.id)?.outcomes : undefined;
    if (!backend || !outcomes) {
      // No instance to send it to: the router answers 503 itself.
      stats.routerErrors += 1;
      count(stats, '5xx');
      return;
    }
    const status = state.random() < outcomes.errorRate ? 500 : 200;
    const latency = outcomes.latencyMs * (0.5 + state.random());
    count(stats, status >= 500 ? '5xx' : '2xx');
    if (status >= 500) stats.errors5xx += 1;
    observeLatency(stats.latency, latency);
    const counters = state.backends.get(backend.id) ?? { inFlight: 0, healthy: true, requests: 0 };
    counters.requests += 1;
    state.backends.set(backend.id, counters);
    state.ring ??= { revision: new Int32Array(SAMPLE_CAPACITY), status: new Int16Array(SAMPLE_CAPACITY), latency: new Float32Array(SAMPLE_CAPACITY) };
    const slot = state.seq % SAMPLE_CAPACITY;
    state.ring.revision[slot] = revision;
    state.ring.status[slot] = status;
    state.ring.latency[slot] = latency;
    state.seq += 1;
  }
}

/** The revision a request goes to, by weight (percent); null when no revision has weight. */
function pickRevision(weights: Record<string, number>, random: number): number | null {
  const entries = Object.entries(weights).filter(([, weight]) => weight > 0);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let point = random * total;
  for (const [revision, weight] of entries) {
    if (point < weight) return Number(revision);
    point -= weight;
  }
  return entries.length ? Number(entries[entries.length - 1]![0]) : null;
}

function statsOf(revisions: Map<number, RevisionStats>, revision: number): RevisionStats {
  let stats = revisions.get(revision);
  if (!stats) {
    stats = { requests: 0, statusClasses: {}, errors5xx: 0, routerErrors: 0, latency: emptyLatency() };
    revisions.set(revision, stats);
  }
  return stats;
}

function count(stats: RevisionStats, statusClass: '2xx' | '5xx'): void {
  const classes = (stats.statusClasses ??= {});
  classes[statusClass] = (classes[statusClass] ?? 0) + 1;
}

/** A small deterministic generator (mulberry32) seeded by the service, so a simulated run can be repeated. */
function seeded(key: string): () => number {
  let state = [...key].reduce((hash, char) => Math.imul(hash ^ char.charCodeAt(0), 16777619), 2166136261) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
