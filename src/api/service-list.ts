import { setImmediate } from 'node:timers/promises';
import { serviceKey } from '../core/types.ts';
import type { EngineContext } from '../engine/context.ts';
import { Dialect, type InstanceSummary, type ServiceChangeCounter } from '../store/index.ts';
import { statusOf } from './views.ts';

/** How many services' statuses are rendered at once on SQLite; the server's thread serves other work between two slices. */
export const LIST_SLICE = 200;

/** How often the server renders again the statuses that changed, so that a list request finds them ready. */
export const LIST_REFRESH_MS = 1000;

interface Entry {
  /** The service's change counter the status was rendered at or after (a status is never older than its counter). */
  seq: number;
  /** Its status as JSON, UTF-8 encoded; null while it has no deployment (the list leaves it out). */
  json: Buffer | null;
}

/**
 * What `GET /v1/services` answers, kept as each live service's status in
 * JSON, rendered again only for the services whose change counter moved
 * (the store's triggers bump it at every write to a row the status is made
 * of: migrations/service-changes.ts). At 1,000 services × 10 instances the
 * list read every latest deployment and 10,000 instances and serialised
 * them at every request (about 50 ms of the server's one thread, which every
 * step and request waited behind); with 10 deployments in flight a handful
 * of statuses change between two lists. The server also renders what changed
 * every LIST_REFRESH_MS (`start`), so a list finds most texts ready.
 *
 * A request reads the counters first and renders what is stale after, so
 * the answer is at least as new as the request: what was written before it
 * is in it. Services are rendered in slices of LIST_SLICE on SQLite,
 * letting others run between slices (a service's deployment and instances
 * are read together); on PostgreSQL in one slice, where slices only add
 * round trips for the runners' to queue between.
 *
 * Statuses are kept as UTF-8 bytes, not strings, and an answer is their
 * concatenation (`jsonArray`): the list is about 2 MB at 1,000 services,
 * and as one string the HTTP layer measured its UTF-8 length and encoded it
 * again at every request, 28 ms of the server's thread per list in
 * bench:scale's profile (a fifth of its busy time there).
 *
 * An instance's `healthy` here is the store's state (ready), not the
 * platform's check that its process runs, which one service's status
 * still makes: supervision marks an instance whose process ended within a
 * second, and a check per instance at every list was a sixth of its cost.
 */
export class ServiceList {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly ctx: EngineContext) {}

  /** The JSON of each live service's status (those called `name`, when given) in an environment `visible` lets through, in list order. */
  async statuses(name: string | undefined, visible: (environment: string) => boolean): Promise<Buffer[]> {
    const counters = this.ctx.store.services.changeCounters(name).filter((counter) => visible(counter.environment));
    await this.render(counters);
    const statuses: Buffer[] = [];
    for (const counter of counters) {
      const json = this.entries.get(serviceKey(counter))?.json;
      if (json) statuses.push(json);
    }
    return statuses;
  }

  /** Renders what changed every `everyMs`, and forgets deleted services; a pass still running is not started again. */
  start(everyMs = LIST_REFRESH_MS): void {
    this.timer ??= setInterval(() => {
      this.refreshing ??= this.refresh()
        .catch((error: unknown) => this.ctx.log.warn({ err: error }, 'rendering the service list again failed; a list request renders what it needs'))
        .finally(() => (this.refreshing = null));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.refreshing;
  }

  /** Every live service's status made current, and the texts of services deleted since forgotten. */
  async refresh(): Promise<void> {
    const counters = this.ctx.store.services.changeCounters();
    const live = new Set(counters.map((counter) => serviceKey(counter)));
    for (const key of this.entries.keys()) if (!live.has(key)) this.entries.delete(key);
    await this.render(counters);
  }

  /** Renders the statuses of `counters` whose text is older than their counter (read before this call: what is read here is as new or newer). */
  private async render(counters: readonly ServiceChangeCounter[]): Promise<void> {
    const stale = counters.filter((counter) => (this.entries.get(serviceKey(counter))?.seq ?? -1) < counter.seq);
    if (stale.length === 0) return;
    const { store } = this.ctx;
    const routers = new Map(store.routers.all().map((router) => [serviceKey(router), router]));
    const size = store.db.dialect === Dialect.Sqlite ? LIST_SLICE : Math.max(stale.length, 1);
    for (let start = 0; start < stale.length; start += size) {
      if (start > 0) await setImmediate();
      const slice = stale.slice(start, start + size);
      const names = [...new Set(slice.map((counter) => counter.service))];
      const services = new Map(store.services.summariesNamed(names).map((service) => [serviceKey({ service: service.name, environment: service.environment }), service]));
      const latest = store.deployments.latestOfEach(names);
      const instances = new Map<string, InstanceSummary[]>();
      for (const instance of store.instances.liveSummaries(names)) {
        const key = serviceKey(instance);
        const list = instances.get(key);
        if (list) list.push(instance);
        else instances.set(key, [instance]);
      }
      for (const counter of slice) {
        const key = serviceKey(counter);
        // Another render (the timer's, a request's) may have stored a newer one meanwhile.
        if ((this.entries.get(key)?.seq ?? -1) > counter.seq) continue;
        const service = services.get(key);
        const d = latest.get(key);
        const json = service && d ? Buffer.from(JSON.stringify(statusOf(service, d, instances.get(key) ?? [], routers.get(key) ?? null, (i) => i.state === 'ready'))) : null;
        this.entries.set(key, { seq: counter.seq, json });
      }
    }
  }
}

/** `{"<field>":[a,b,…]}` from the JSON of each item, as one buffer (one copy of each item). */
export function jsonArray(field: string, items: readonly Buffer[]): Buffer<ArrayBuffer> {
  const parts: Buffer[] = [Buffer.from(`{${JSON.stringify(field)}:[`)];
  for (const [i, item] of items.entries()) {
    if (i > 0) parts.push(COMMA);
    parts.push(item);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');
