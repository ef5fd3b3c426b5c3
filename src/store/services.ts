import type { Db } from './database.ts';
import type { ServiceSpec } from '../spec/types.ts';
import type { Weights } from '../core/types.ts';

export interface Traffic {
  weights: Weights;
  previewRevision?: number;
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
    number: row.number,
    version: row.version,
    digest: row.digest,
    spec: JSON.parse(row.spec) as ServiceSpec,
    document: JSON.parse(row.document) as unknown,
    createdAt: row.created_at,
  };
}

/** Services, their revisions and the traffic split the router is told. */
export class ServiceStore {
  constructor(private readonly db: Db) {}

  get(name: string): ServiceRecord | null {
    const row = this.db.prepare('SELECT * FROM services WHERE name = ?').get(name) as ServiceRow | undefined;
    return row ? toService(row) : null;
  }

  list(): ServiceRecord[] {
    return (this.db.prepare('SELECT * FROM services WHERE deleted_at IS NULL ORDER BY name').all() as ServiceRow[]).map(toService);
  }

  /** Every service ever created, deleted ones too (their history stays). */
  all(): ServiceRecord[] {
    return (this.db.prepare('SELECT * FROM services ORDER BY name').all() as ServiceRow[]).map(toService);
  }

  /** The service that owns `port` (its router listens there), if any. */
  byPort(port: number): ServiceRecord | null {
    const row = this.db.prepare('SELECT * FROM services WHERE port = ? AND deleted_at IS NULL').get(port) as ServiceRow | undefined;
    return row ? toService(row) : null;
  }

  upsert(spec: ServiceSpec, now = Date.now()): ServiceRecord {
    const existing = this.get(spec.name);
    if (existing) {
      this.db
        .prepare('UPDATE services SET environment = ?, port = ?, spec = ?, deleted_at = NULL WHERE name = ?')
        .run(spec.environment, spec.port, JSON.stringify(spec), spec.name);
    } else {
      this.db
        .prepare('INSERT INTO services (name, environment, port, spec, traffic, stable_revision, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)')
        .run(spec.name, spec.environment, spec.port, JSON.stringify(spec), JSON.stringify({ weights: {} }), now);
    }
    return this.get(spec.name)!;
  }

  setTraffic(name: string, traffic: Traffic): void {
    this.db.prepare('UPDATE services SET traffic = ? WHERE name = ?').run(JSON.stringify(traffic), name);
  }

  setStableRevision(name: string, revision: number | null): void {
    this.db.prepare('UPDATE services SET stable_revision = ? WHERE name = ?').run(revision, name);
  }

  markDeleted(name: string, now = Date.now()): void {
    this.db.prepare('UPDATE services SET deleted_at = ?, traffic = ? WHERE name = ?').run(now, JSON.stringify({ weights: {} }), name);
  }

  addRevision(service: string, init: Omit<RevisionRecord, 'service' | 'number'>): RevisionRecord {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT MAX(number) AS n FROM revisions WHERE service = ?').get(service) as { n: number | null };
      const number = (last.n ?? 0) + 1;
      this.db
        .prepare('INSERT INTO revisions (service, number, version, digest, spec, document, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(service, number, init.version, init.digest, JSON.stringify(init.spec), JSON.stringify(init.document), init.createdAt);
      return { ...init, service, number };
    })();
  }

  /** Replaces a revision's stored spec (secrets re-sealed to a new key; nothing else changes). */
  updateRevisionSpec(service: string, number: number, spec: ServiceSpec): void {
    this.db.prepare('UPDATE revisions SET spec = ? WHERE service = ? AND number = ?').run(JSON.stringify(spec), service, number);
  }

  revision(service: string, number: number): RevisionRecord | null {
    const row = this.db.prepare('SELECT * FROM revisions WHERE service = ? AND number = ?').get(service, number) as RevisionRow | undefined;
    return row ? toRevision(row) : null;
  }

  revisions(service: string): RevisionRecord[] {
    return (this.db.prepare('SELECT * FROM revisions WHERE service = ? ORDER BY number').all(service) as RevisionRow[]).map(toRevision);
  }
}
