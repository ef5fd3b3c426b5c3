import type { Db } from './database.ts';
import { applyEvent, type Deployment, type DeploymentEvent } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';

export interface StoredEvent {
  seq: number;
  deployment: number | null;
  service: string;
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
        .prepare('INSERT INTO deployments (service, state, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(init.service, '{}', now, now);
      const deployment: Deployment = { ...init, id: Number(row.lastInsertRowid) };
      return this.appendInTransaction(deployment.id, init.service, { type: 'DeploymentCreated', deployment }, now);
    })();
  }

  /** Appends an event and returns the deployment's new state. */
  append(id: number, event: DeploymentEvent, at = Date.now()): Deployment {
    const current = this.get(id);
    if (!current) throw new CutoverError(ErrorCode.NotFound, `no deployment ${id}; \`cutover history SERVICE\` lists them`, { context: { deployment: id } });
    return this.db.transaction(() => this.appendInTransaction(id, current.service, event, at))();
  }

  private appendInTransaction(id: number, service: string, event: DeploymentEvent, at: number): Deployment {
    const current = event.type === 'DeploymentCreated' ? null : this.get(id);
    const next = applyEvent(current, event, at);
    const seq = this.db
      .prepare('INSERT INTO events (deployment, service, type, data, at) VALUES (?, ?, ?, ?, ?)')
      .run(id, service, event.type, JSON.stringify(event), at).lastInsertRowid;
    this.db
      .prepare('UPDATE deployments SET state = ?, finished = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(next), next.finishedAt === null ? 0 : 1, at, id);
    const stored: StoredEvent = { seq: Number(seq), deployment: id, service, type: event.type, data: event, at };
    queueMicrotask(() => this.listeners.forEach((listener) => listener(stored, current)));
    return next;
  }

  get(id: number): Deployment | null {
    const row = this.db.prepare('SELECT state FROM deployments WHERE id = ?').get(id) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as Deployment) : null;
  }

  latest(service: string): Deployment | null {
    const row = this.db
      .prepare('SELECT state FROM deployments WHERE service = ? ORDER BY id DESC LIMIT 1')
      .get(service) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as Deployment) : null;
  }

  active(service: string): Deployment | null {
    const row = this.db
      .prepare('SELECT state FROM deployments WHERE service = ? AND finished = 0 ORDER BY id DESC LIMIT 1')
      .get(service) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as Deployment) : null;
  }

  unfinished(): Deployment[] {
    const rows = this.db.prepare('SELECT state FROM deployments WHERE finished = 0 ORDER BY id').all() as { state: string }[];
    return rows.map((row) => JSON.parse(row.state) as Deployment);
  }

  list(service: string): Deployment[] {
    const rows = this.db
      .prepare('SELECT state FROM deployments WHERE service = ? ORDER BY id')
      .all(service) as { state: string }[];
    return rows.map((row) => JSON.parse(row.state) as Deployment);
  }

  /** Events of one deployment, oldest first. */
  events(id: number): StoredEvent[] {
    const rows = this.db
      .prepare('SELECT seq, deployment, service, type, data, at FROM events WHERE deployment = ? ORDER BY seq')
      .all(id) as (Omit<StoredEvent, 'data'> & { data: string })[];
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as unknown }));
  }

  /** Events after `seq`, optionally of one service, for live streams. */
  eventsAfter(seq: number, service?: string, limit = 1000): StoredEvent[] {
    const rows = (
      service
        ? this.db
            .prepare('SELECT seq, deployment, service, type, data, at FROM events WHERE seq > ? AND service = ? ORDER BY seq LIMIT ?')
            .all(seq, service, limit)
        : this.db.prepare('SELECT seq, deployment, service, type, data, at FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit)
    ) as (Omit<StoredEvent, 'data'> & { data: string })[];
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as unknown }));
  }

  /** The sequence number of the newest event (0 when there is none). */
  lastSeq(): number {
    return (this.db.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null }).seq ?? 0;
  }

  /** Records an event about a service that is not part of a deployment's state (router restarts, deletes). */
  note(service: string, type: string, data: Record<string, unknown>, at = Date.now()): void {
    const seq = this.db
      .prepare('INSERT INTO events (deployment, service, type, data, at) VALUES (NULL, ?, ?, ?, ?)')
      .run(service, type, JSON.stringify({ type, ...data }), at).lastInsertRowid;
    const stored: StoredEvent = { seq: Number(seq), deployment: null, service, type, data: { type, ...data }, at };
    queueMicrotask(() => this.listeners.forEach((listener) => listener(stored, null)));
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
