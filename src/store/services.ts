import type { Db } from './database.ts';
import type { ServiceSpec } from '../spec/types.ts';
import type { ServiceRef, Weights } from '../core/types.ts';
import type { HeaderRoute } from '../core/header-route.ts';

export interface Traffic {
  weights: Weights;
  previewRevision?: number;
  /** Requests matching a header go to this route's revision (a canary's setHeaderRoute step), until the deployment ends. */
  headerRoute?: HeaderRoute;
  /** A share of stable's idempotent requests copied to this revision (a canary's setMirrorRoute step), until the deployment ends. */
  mirror?: { revision: number; percentage: number };
}

export interface ServiceRecord {
  name: string;
  environment: string;
  port: number;
  spec: ServiceSpec;
  traffic: Traffic;
  stableRevision: number | null;
  createdAt: number;
  deletedAt: number | null;
}

/** A service's record without its spec. */
export type ServiceSummary = Omit<ServiceRecord, 'spec'>;

export interface RevisionRecord {
  service: string;
  environment: string;
  number: number;
  version: string;
  digest: string;
  spec: ServiceSpec;
  document: unknown;
  createdAt: number;
}

interface ServiceRow {
  name: string;
  environment: string;
  port: number;
  spec: string;
  traffic: string;
  stable_revision: number | null;
  created_at: number;
  deleted_at: number | null;
}

interface RevisionRow {
  service: string;
  environment: string;
  number: number;
  version: string;
  digest: string;
  spec: string;
  document: string;
  created_at: number;
}

function toService(row: ServiceRow): ServiceRecord {
  return { ...toSummary(row), spec: JSON.parse(row.spec) as ServiceSpec };
}

function toSummary(row: Omit<ServiceRow, 'spec'>): ServiceSummary {
  return {
    name: row.name,
    environment: row.environment,
    port: row.port,
    traffic: JSON.parse(row.traffic) as Traffic,
    stableRevision: row.stable_revision,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
  };
}

function toRevision(row: RevisionRow): RevisionRecord {
  return {
    service: row.service,
    environment: row.environment,
    number: row.number,
    version: row.version,
    digest: row.digest,
    spec: JSON.parse(row.spec) as ServiceSpec,
    document: JSON.parse(row.document) as unknown,
    createdAt: row.created_at,
  };
}

/** A live service and how many times a row its status is made of has changed (`changeCounters`). */
export interface ServiceChangeCounter extends ServiceRef {
  seq: number;
}

/** Services (each a name in one environment), their revisions and the traffic split the router is told. */
export class ServiceStore {
  constructor(private readonly db: Db) {}

  get(ref: ServiceRef): ServiceRecord | null {
    const row = this.db.prepare('SELECT * FROM services WHERE name = ? AND environment = ?').get(ref.service, ref.environment) as ServiceRow | undefined;
    return row ? toService(row) : null;
  }

  list(): ServiceRecord[] {
    return (this.db.prepare('SELECT * FROM services WHERE deleted_at IS NULL ORDER BY name, environment').all() as ServiceRow[]).map(toService);
  }

  /**
   * The live services (or those called `name`) without their specs, in
   * list order: what the list of statuses shows. Parsing 1,000 specs it
   * does not show was a sixth of a list request.
   */
  summaries(name?: string): ServiceSummary[] {
    const rows = this.db
      .prepare(`SELECT name, environment, port, traffic, stable_revision, created_at, deleted_at FROM services WHERE deleted_at IS NULL${name === undefined ? '' : ' AND name = ?'} ORDER BY name, environment`)
      .all(...(name === undefined ? [] : [name])) as Omit<ServiceRow, 'spec'>[];
    return rows.map(toSummary);
  }

  /** The live services of these names (every environment), as summaries() gives them: a slice of the list rendered again. */
  summariesNamed(names: readonly string[]): ServiceSummary[] {
    const rows = this.db
      .prepare(`SELECT name, environment, port, traffic, stable_revision, created_at, deleted_at FROM services WHERE deleted_at IS NULL AND name IN (${names.map(() => '?').join(', ') || 'NULL'}) ORDER BY name, environment`)
      .all(...names) as Omit<ServiceRow, 'spec'>[];
    return rows.map(toSummary);
  }

  /**
   * Each live service (or those called `name`) with its change counter, in
   * list order: the counter grows whenever its services row, a deployment,
   * an instance or its router changes (triggers, migrations/service-changes.ts);
   * 0 when none has changed since the counters began.
   */
  changeCounters(name?: string): ServiceChangeCounter[] {
    return this.db
      .prepare(
        `SELECT s.name AS service, s.environment AS environment, COALESCE(c.seq, 0) AS seq FROM services s
         LEFT JOIN service_changes c ON c.service = s.name AND c.environment = s.environment
         WHERE s.deleted_at IS NULL${name === undefined ? '' : ' AND s.name = ?'} ORDER BY s.name, s.environment`,
      )
      .all(...(name === undefined ? [] : [name])) as ServiceChangeCounter[];
  }

  /** The live services' names and environments only, no spec parsed: for passes over every service. */
  liveRefs(): ServiceRef[] {
    return this.db.prepare('SELECT name AS service, environment FROM services WHERE deleted_at IS NULL ORDER BY name, environment').all() as ServiceRef[];
  }

  /** Every service ever created, deleted ones too (their history stays). */
  all(): ServiceRecord[] {
    return (this.db.prepare('SELECT * FROM services ORDER BY name, environment').all() as ServiceRow[]).map(toService);
  }

  /** The live services called `name`, one per environment it is in. */
  named(name: string): ServiceRecord[] {
    return (this.db.prepare('SELECT * FROM services WHERE name = ? AND deleted_at IS NULL ORDER BY environment').all(name) as ServiceRow[]).map(toService);
  }

  /** The service that owns `port` (its router listens there), if any. */
  byPort(port: number): ServiceRecord | null {
    const row = this.db.prepare('SELECT * FROM services WHERE port = ? AND deleted_at IS NULL').get(port) as ServiceRow | undefined;
    return row ? toService(row) : null;
  }

  /**
   * The live services whose port or blue-green preview port is `port`:
   * matched by the database over the stored spec, so an apply does not parse every
   * service's spec (that made 1,000 applies cost 500,000 parses).
   */
  owningPort(port: number): ServiceRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM services WHERE deleted_at IS NULL AND (port = ? OR (${this.db.jsonText('spec', '$.strategy.type')} = 'blueGreen' AND ${this.db.jsonInteger('spec', '$.strategy.previewPort')} = ?)) ORDER BY name, environment`,
        )
        .all(port, port) as ServiceRow[]
    ).map(toService);
  }

  /** Creates or updates the service (spec.name, spec.environment); never touches the same name in another environment. */
  upsert(spec: ServiceSpec, now = Date.now()): ServiceRecord {
    // The update returns the row when the service exists: one statement (a round trip on PostgreSQL) where it was three.
    const updated = this.db
      .prepare('UPDATE services SET port = ?, spec = ?, deleted_at = NULL WHERE name = ? AND environment = ? RETURNING *')
      .get(spec.port, JSON.stringify(spec), spec.name, spec.environment) as ServiceRow | undefined;
    if (updated) return toService(updated);
    const inserted = this.db
      .prepare('INSERT INTO services (name, environment, port, spec, traffic, stable_revision, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?) RETURNING *')
      .get(spec.name, spec.environment, spec.port, JSON.stringify(spec), JSON.stringify({ weights: {} }), now) as ServiceRow;
    return toService(inserted);
  }

  setTraffic(ref: ServiceRef, traffic: Traffic): void {
    this.db.prepare('UPDATE services SET traffic = ? WHERE name = ? AND environment = ?').run(JSON.stringify(traffic), ref.service, ref.environment);
  }

  setStableRevision(ref: ServiceRef, revision: number | null): void {
    this.db.prepare('UPDATE services SET stable_revision = ? WHERE name = ? AND environment = ?').run(revision, ref.service, ref.environment);
  }

  markDeleted(ref: ServiceRef, now = Date.now()): void {
    this.db.prepare('UPDATE services SET deleted_at = ?, traffic = ? WHERE name = ? AND environment = ?').run(now, JSON.stringify({ weights: {} }), ref.service, ref.environment);
  }

  addRevision(ref: ServiceRef, init: Omit<RevisionRecord, 'service' | 'environment' | 'number'>): RevisionRecord {
    return this.db.transaction(() => {
      const number = this.lastRevision(ref) + 1;
      this.db
        .prepare('INSERT INTO revisions (service, environment, number, version, digest, spec, document, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(ref.service, ref.environment, number, init.version, init.digest, JSON.stringify(init.spec), JSON.stringify(init.document), init.createdAt);
      return { ...init, service: ref.service, environment: ref.environment, number };
    });
  }

  /** Replaces a revision's stored spec (secrets re-sealed to a new key; nothing else changes). */
  updateRevisionSpec(ref: ServiceRef, number: number, spec: ServiceSpec): void {
    this.db.prepare('UPDATE revisions SET spec = ? WHERE service = ? AND environment = ? AND number = ?').run(JSON.stringify(spec), ref.service, ref.environment, number);
  }

  /** Replaces a revision's stored document (what the user sent), e.g. with its sealed values sealed to a new key. */
  updateRevisionDocument(ref: ServiceRef, number: number, document: unknown): void {
    this.db.prepare('UPDATE revisions SET document = ? WHERE service = ? AND environment = ? AND number = ?').run(JSON.stringify(document), ref.service, ref.environment, number);
  }

  /** Replaces a service's current spec in place (deleted or not), e.g. with its sealed values sealed to a new key. */
  updateSpec(ref: ServiceRef, spec: ServiceSpec): void {
    this.db.prepare('UPDATE services SET spec = ? WHERE name = ? AND environment = ?').run(JSON.stringify(spec), ref.service, ref.environment);
  }

  revision(ref: ServiceRef, number: number): RevisionRecord | null {
    const row = this.db.prepare('SELECT * FROM revisions WHERE service = ? AND environment = ? AND number = ?').get(ref.service, ref.environment, number) as RevisionRow | undefined;
    return row ? toRevision(row) : null;
  }

  /** The number of the service's latest revision, 0 when it has none: one value, not every revision read whole. */
  lastRevision(ref: ServiceRef): number {
    const last = this.db.prepare('SELECT MAX(number) AS n FROM revisions WHERE service = ? AND environment = ?').get(ref.service, ref.environment) as { n: number | null };
    return last.n ?? 0;
  }

  /** The versions of some of a service's revisions, by number: one query of one column, no spec or document parsed (a router push names them). */
  versions(ref: ServiceRef, numbers: readonly number[]): Map<number, string> {
    if (numbers.length === 0) return new Map();
    const rows = this.db
      .prepare(`SELECT number, version FROM revisions WHERE service = ? AND environment = ? AND number IN (${numbers.map(() => '?').join(', ')})`)
      .all(ref.service, ref.environment, ...numbers) as { number: number; version: string }[];
    return new Map(rows.map((row) => [row.number, row.version]));
  }

  revisions(ref: ServiceRef): RevisionRecord[] {
    return (this.db.prepare('SELECT * FROM revisions WHERE service = ? AND environment = ? ORDER BY number').all(ref.service, ref.environment) as RevisionRow[]).map(toRevision);
  }

  /**
   * Every revision of every service, deleted ones too, oldest first per
   * service: only the columns artifact pruning needs, no spec parsed.
   */
  revisionDigests(): (ServiceRef & { number: number; digest: string; stableRevision: number | null })[] {
    return this.db
      .prepare(
        `SELECT r.service AS service, r.environment AS environment, r.number AS number, r.digest AS digest, s.stable_revision AS "stableRevision"
         FROM revisions r JOIN services s ON s.name = r.service AND s.environment = r.environment ORDER BY r.service, r.environment, r.number`,
      )
      .all() as (ServiceRef & { number: number; digest: string; stableRevision: number | null })[];
  }

  /**
   * The artifact digests that only old revisions use: a digest is kept when
   * any revision made of it is among its service's last `keepOf(environment)`
   * (`fallback` for an environment not named), is its stable revision, has an
   * instance that may be running, or is what an unfinished deployment
   * deploys. One statement decided by the database: reading every revision
   * and every live instance into the server for this (20,000 rows at 1,000
   * services) held its one thread for hundreds of milliseconds.
   */
  prunableDigests(keep: ReadonlyMap<string, number>, fallback: number): string[] {
    const entries = [...keep];
    const keepCount = entries.length ? `CASE r.environment ${entries.map(() => 'WHEN ? THEN CAST(? AS INTEGER)').join(' ')} ELSE CAST(? AS INTEGER) END` : 'CAST(? AS INTEGER)';
    const rows = this.db
      .prepare(
        `SELECT digest FROM revisions
         EXCEPT
         SELECT r.digest FROM (
           SELECT service, environment, number, digest, ROW_NUMBER() OVER (PARTITION BY service, environment ORDER BY number DESC) AS newer FROM revisions
         ) r JOIN services s ON s.name = r.service AND s.environment = r.environment
         WHERE r.newer <= ${keepCount}
            OR r.number = s.stable_revision
            OR (r.service, r.environment, r.number) IN (SELECT service, environment, revision FROM instances WHERE state IN ('starting', 'ready', 'draining'))
            OR (r.service, r.environment, r.number) IN (SELECT service, environment, ${this.db.jsonInteger('state', '$.revision')} FROM deployments WHERE finished = 0)
         ORDER BY 1`,
      )
      .all(...entries.flat(), fallback) as { digest: string }[];
    return rows.map((row) => row.digest);
  }

  /** Each live service with a stable revision, and the instances that revision's spec declares: one query for the healing pass. */
  stableSizes(): (ServiceRef & { revision: number; instances: number })[] {
    return this.db
      .prepare(
        `SELECT s.name AS service, s.environment AS environment, s.stable_revision AS revision, ${this.db.jsonInteger('r.spec', '$.instances')} AS instances
         FROM services s JOIN revisions r ON r.service = s.name AND r.environment = s.environment AND r.number = s.stable_revision
         WHERE s.deleted_at IS NULL ORDER BY s.name, s.environment`,
      )
      .all() as (ServiceRef & { revision: number; instances: number })[];
  }

  /** Every revision of any service made of the artifact `digest`. */
  revisionsOf(digest: string): RevisionRecord[] {
    return (this.db.prepare('SELECT * FROM revisions WHERE digest = ? ORDER BY service, environment, number').all(digest) as RevisionRow[]).map(toRevision);
  }
}
