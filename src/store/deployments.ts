import type { Db } from './database.ts';
import { applyEvent, type Deployment, type DeploymentEvent } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { serviceKey, type ServiceRef } from '../core/types.ts';
import { Dialect } from './sql/index.ts';
import { EVENTS_CHANNEL, EventFeed } from './event-feed.ts';

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
  /** Every event, whoever wrote it: see {@link follow}. */
  private readonly feed: EventFeed<StoredEvent>;

  constructor(private readonly db: Db) {
    this.feed = new EventFeed(
      db,
      (after) => this.eventsAfter(after),
      () => this.lastSeq(),
    );
  }

  /** Creates a deployment; returns it with its id. */
  create(init: Omit<Deployment, 'id'>): Deployment {
    return this.db.transaction(() => {
      const now = init.createdAt;
      const row = this.db
        .prepare('INSERT INTO deployments (service, environment, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id')
        .get(init.service, init.environment, '{}', now, now) as { id: number };
      const deployment: Deployment = { ...init, id: row.id };
      return this.write(deployment.id, init, null, { type: 'DeploymentCreated', deployment }, now);
    });
  }

  /**
   * Appends an event and returns the deployment's new state. One read, in
   * the transaction (under the write lock): the owner and the state together,
   * the state parsed once. On PostgreSQL each statement is a round trip.
   */
  append(id: number, event: DeploymentEvent, at = Date.now()): Deployment {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT service, environment, state FROM deployments WHERE id = ?').get(id) as (ServiceRef & { state: string }) | undefined;
      if (!row) throw new CutoverError(ErrorCode.NotFound, `no deployment ${id}; \`cutover history SERVICE\` lists them`, { context: { deployment: id } });
      // The row names the service that owns the deployment (one migrated from before environments were identity may name another environment in its state).
      return this.write(id, { service: row.service, environment: row.environment }, JSON.parse(row.state) as Deployment, event, at);
    });
  }

  /** Stores `event` and the state it leads to from `current`, and tells the listeners once the caller's code yields. */
  private write(id: number, owner: ServiceRef, current: Deployment | null, event: DeploymentEvent, at: number): Deployment {
    const { service, environment } = owner;
    const next = applyEvent(current, event, at);
    const { seq } = this.db
      .prepare('INSERT INTO events (deployment, service, environment, type, data, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq')
      .get(id, service, environment, event.type, JSON.stringify(event), at) as { seq: number };
    // Sent, not waited for: on PostgreSQL it travels with the COMMIT (a round trip fewer), and a failure still fails the transaction.
    this.db
      .prepare('UPDATE deployments SET state = ?, finished = ?, updated_at = ? WHERE id = ?')
      .send(JSON.stringify(next), next.finishedAt === null ? 0 : 1, at, id);
    if (next.phase === 'Succeeded' && current?.phase !== 'Succeeded') {
      // Where its artifact has succeeded (migrations/digest-successes.ts): the environment its state names, as the check always read.
      this.db
        .prepare('INSERT INTO digest_successes (digest, environment, deployment) SELECT digest, ?, ? FROM revisions WHERE service = ? AND environment = ? AND number = ? ON CONFLICT (digest, environment) DO NOTHING')
        .send(next.environment, id, service, environment, next.revision);
    }
    this.announce(seq);
    const stored: StoredEvent = { seq, deployment: id, service, environment, type: event.type, data: event, at };
    queueMicrotask(() => {
      this.listeners.forEach((listener) => listener(stored, current));
      this.feed.poke(seq);
    });
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

  /**
   * The latest deployment of every service that has one (or of those named
   * one of `names`: a slice of the list), by the serviceKey of the
   * service that owns it (its row): one query for a list of services.
   */
  latestOfEach(names?: readonly string[]): Map<string, Deployment> {
    const within = names ? `WHERE service IN (${names.map(() => '?').join(', ') || 'NULL'}) ` : '';
    const rows = this.db
      .prepare(`SELECT service, environment, state FROM deployments WHERE id IN (SELECT MAX(id) FROM deployments ${within}GROUP BY service, environment)`)
      .all(...(names ?? [])) as (ServiceRef & { state: string })[];
    return new Map(rows.map((row) => [serviceKey(row), JSON.parse(row.state) as Deployment]));
  }

  /**
   * The environments in which a deployment of a revision made of `digest`
   * succeeded (each deployment's own environment, as it ran), in the order
   * they first did: an indexed read of digest_successes, which `write` keeps.
   */
  succeededWith(digest: string): string[] {
    const rows = this.db.prepare('SELECT environment FROM digest_successes WHERE digest = ? ORDER BY deployment').all(digest) as { environment: string }[];
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
    // In a write transaction, as every event: sequence numbers then become visible in order (event-feed.ts).
    const seq = this.db.transaction(() => {
      const row = this.db
        .prepare('INSERT INTO events (deployment, service, environment, type, data, at) VALUES (NULL, ?, ?, ?, ?, ?) RETURNING seq')
        .get(service, environment, type, JSON.stringify({ type, ...data }), at) as { seq: number };
      this.announce(row.seq);
      return row.seq;
    });
    const stored: StoredEvent = { seq, deployment: null, service, environment, type, data: { type, ...data }, at };
    queueMicrotask(() => {
      this.listeners.forEach((listener) => listener(stored, null));
      this.feed.poke(seq);
    });
  }

  /** Tells the other replicas on PostgreSQL, when the transaction commits (on SQLite they poll: event-feed.ts). */
  private announce(seq: number): void {
    if (this.db.dialect === Dialect.Postgres) this.db.notify(EVENTS_CHANNEL, String(seq));
  }

  /**
   * Events this server stored, each with the deployment as it was before it
   * (metrics count them here; another replica counts its own).
   */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Every event stored from now on, whoever wrote it (this server or another
   * replica on the same store), in sequence order, each once, shortly after
   * its transaction commits (event-feed.ts). What came before is read with
   * {@link eventsAfter}.
   */
  follow(listener: (event: StoredEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  /**
   * The deployment as it was just before event `seq` (the fold of its
   * earlier events), for an event another replica wrote, which comes
   * without it.
   */
  stateBefore(id: number, seq: number): Deployment | null {
    const rows = this.db.prepare('SELECT data, at FROM events WHERE deployment = ? AND seq < ? ORDER BY seq').all(id, seq) as { data: string; at: number }[];
    let state: Deployment | null = null;
    for (const row of rows) state = applyEvent(state, JSON.parse(row.data) as DeploymentEvent, row.at);
    return state;
  }
}
