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
  return {
    name: row.name,
    environment: row.environment,
    port: row.port,
    spec: JSON.parse(row.spec) as ServiceSpec,
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
    const ref = { service: spec.name, environment: spec.environment };
    if (this.get(ref)) {
      this.db.prepare('UPDATE services SET port = ?, spec = ?, deleted_at = NULL WHERE name = ? AND environment = ?').run(spec.port, JSON.stringify(spec), spec.name, spec.environment);
    } else {
      this.db
        .prepare('INSERT INTO services (name, environment, port, spec, traffic, stable_revision, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)')
        .run(spec.name, spec.environment, spec.port, JSON.stringify(spec), JSON.stringify({ weights: {} }), now);
    }
    return this.get(ref)!;
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
      const last = this.db.prepare('SELECT MAX(number) AS n FROM revisions WHERE service = ? AND environment = ?').get(ref.service, ref.environment) as { n: number | null };
      const number = (last.n ?? 0) + 1;
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
