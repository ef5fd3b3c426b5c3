import type { Db } from './database.ts';
import { applyEvent, type Deployment, type DeploymentEvent } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { serviceKey, type ServiceRef } from '../core/types.ts';

export interface StoredEvent {
  seq: number;
  deployment: number | null;
  service: string;
  environment: string;
  type: string;
  data: unknown;
  at: number;
}

/** Called after each event is stored, with the deployment as it was before the event (null for notes and creations). */
type Listener = (event: StoredEvent, before: Deployment | null) => void;

/**
 * Deployments as append-only events plus a projection of each one, written
 * in the same transaction: the projection is always the fold of the events.
 */
export class DeploymentStore {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly db: Db) {}

  /** Creates a deployment; returns it with its id. */
  create(init: Omit<Deployment, 'id'>): Deployment {
    return this.db.transaction(() => {
      const now = init.createdAt;
      const row = this.db
        .prepare('INSERT INTO deployments (service, environment, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id')
        .get(init.service, init.environment, '{}', now, now) as { id: number };
      const deployment: Deployment = { ...init, id: row.id };
      return this.appendInTransaction(deployment.id, init, { type: 'DeploymentCreated', deployment }, now);
    });
  }

  /** Appends an event and returns the deployment's new state. */
  append(id: number, event: DeploymentEvent, at = Date.now()): Deployment {
    const current = this.get(id);
    if (!current) throw new CutoverError(ErrorCode.NotFound, `no deployment ${id}; \`cutover history SERVICE\` lists them`, { context: { deployment: id } });
    return this.db.transaction(() => this.appendInTransaction(id, this.ownerOf(id) ?? current, event, at));
  }

  /** The service a deployment belongs to (its row; a deployment migrated from before environments were identity may name another environment in its state). */
  private ownerOf(id: number): ServiceRef | null {
    return (this.db.prepare('SELECT service, environment FROM deployments WHERE id = ?').get(id) as ServiceRef | undefined) ?? null;
  }

  private appendInTransaction(id: number, owner: ServiceRef, event: DeploymentEvent, at: number): Deployment {
    const { service, environment } = owner;
    const current = event.type === 'DeploymentCreated' ? null : this.get(id);
    const next = applyEvent(current, event, at);
    const { seq } = this.db
      .prepare('INSERT INTO events (deployment, service, environment, type, data, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq')
      .get(id, service, environment, event.type, JSON.stringify(event), at) as { seq: number };
    this.db
      .prepare('UPDATE deployments SET state = ?, finished = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(next), next.finishedAt === null ? 0 : 1, at, id);
    const stored: StoredEvent = { seq, deployment: id, service, environment, type: event.type, data: event, at };
    queueMicrotask(() => this.listeners.forEach((listener) => listener(stored, current)));
    return next;
  }

  get(id: number): Deployment | null {
    const row = this.db.prepare('SELECT state FROM deployments WHERE id = ?').get(id) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as Deployment) : null;
  }

  latest(ref: ServiceRef): Deployment | null {
    const row = this.db
      .prepare('SELECT state FROM deployments WHERE service = ? AND environment = ? ORDER BY id DESC LIMIT 1')
      .get(ref.service, ref.environment) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as Deployment) : null;
  }

  /** The latest deployment of every service that has one, by the serviceKey of the service that owns it (its row): one query for a list of services. */
  latestOfEach(): Map<string, Deployment> {
    const rows = this.db
      .prepare('SELECT service, environment, state FROM deployments WHERE id IN (SELECT MAX(id) FROM deployments GROUP BY service, environment)')
      .all() as (ServiceRef & { state: string })[];
    return new Map(rows.map((row) => [serviceKey(row), JSON.parse(row.state) as Deployment]));
  }

  /**
   * The environments in which a deployment of a revision made of `digest`
   * succeeded (each deployment's own environment, as it ran): one query,
   * not a read of every deployment of every service sharing the artifact.
   */
  succeededWith(digest: string): string[] {
    const rows = this.db
      .prepare(
        `SELECT environment FROM (
           SELECT ${this.db.jsonText('d.state', '$.environment')} AS environment, d.id AS id
           FROM revisions r JOIN deployments d ON d.service = r.service AND d.environment = r.environment
           WHERE r.digest = ? AND ${this.db.jsonText('d.state', '$.phase')} = 'Succeeded' AND ${this.db.jsonInteger('d.state', '$.revision')} = r.number
         ) AS succeeded GROUP BY environment ORDER BY MIN(id)`,
      )
      .all(digest) as { environment: string }[];
    return rows.map((row) => row.environment);
  }

  active(ref: ServiceRef): Deployment | null {
    const row = this.db
      .prepare('SELECT state FROM deployments WHERE service = ? AND environment = ? AND finished = 0 ORDER BY id DESC LIMIT 1')
      .get(ref.service, ref.environment) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as Deployment) : null;
  }

  unfinished(): Deployment[] {
    const rows = this.db.prepare('SELECT state FROM deployments WHERE finished = 0 ORDER BY id').all() as { state: string }[];
    return rows.map((row) => JSON.parse(row.state) as Deployment);
  }

  list(ref: ServiceRef): Deployment[] {
    const rows = this.db
      .prepare('SELECT state FROM deployments WHERE service = ? AND environment = ? ORDER BY id')
      .all(ref.service, ref.environment) as { state: string }[];
    return rows.map((row) => JSON.parse(row.state) as Deployment);
  }

  /** Events of one deployment, oldest first. */
  events(id: number): StoredEvent[] {
    const rows = this.db
      .prepare('SELECT seq, deployment, service, environment, type, data, at FROM events WHERE deployment = ? ORDER BY seq')
      .all(id) as (Omit<StoredEvent, 'data'> & { data: string })[];
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as unknown }));
  }

  /** Events after `seq`, optionally only those of one service or environment, for live streams. */
  /** Events after `seq`, oldest first; `environments` keeps only those (what a caller may see), undefined keeps all. */
  eventsAfter(seq: number, of: { service?: string | undefined; environment?: string | undefined; environments?: readonly string[] | undefined } = {}, limit = 1000): StoredEvent[] {
    const filters = (['service', 'environment'] as const).filter((column) => of[column] !== undefined);
    const among = of.environments;
    const where = ['seq > ?', ...filters.map((column) => `${column} = ?`), ...(among ? [`environment IN (${among.map(() => '?').join(', ') || 'NULL'})`] : [])].join(' AND ');
    const rows = this.db
      .prepare(`SELECT seq, deployment, service, environment, type, data, at FROM events WHERE ${where} ORDER BY seq LIMIT ?`)
      .all(seq, ...filters.map((column) => of[column]), ...(among ?? []), limit) as (Omit<StoredEvent, 'data'> & { data: string })[];
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as unknown }));
  }

  /** The sequence number of the newest event (0 when there is none). */
  lastSeq(): number {
    return (this.db.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null }).seq ?? 0;
  }

  /** Records an event about a service that is not part of a deployment's state (router restarts, deletes). */
  note(ref: ServiceRef, type: string, data: Record<string, unknown>, at = Date.now()): void {
    const { service, environment } = ref;
    const { seq } = this.db
      .prepare('INSERT INTO events (deployment, service, environment, type, data, at) VALUES (NULL, ?, ?, ?, ?, ?) RETURNING seq')
      .get(service, environment, type, JSON.stringify({ type, ...data }), at) as { seq: number };
    const stored: StoredEvent = { seq, deployment: null, service, environment, type, data: { type, ...data }, at };
    queueMicrotask(() => this.listeners.forEach((listener) => listener(stored, null)));
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
