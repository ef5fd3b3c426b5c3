import type { Db } from './database.ts';
import type { InstanceState, ServiceRef } from '../core/types.ts';
import { jsonRows } from './json-rows.ts';

export interface InstanceRecord {
  id: string;
  service: string;
  environment: string;
  revision: number;
  port: number;
  pid: number | null;
  state: InstanceState;
  inRotation: boolean;
  retireAt: number | null;
  dir: string;
  logPath: string;
  message: string;
  createdAt: number;
  updatedAt: number;
}

interface InstanceRow {
  id: string;
  service: string;
  environment: string;
  revision: number;
  port: number;
  pid: number | null;
  state: InstanceState;
  in_rotation: number;
  retire_at: number | null;
  dir: string;
  log_path: string;
  message: string;
  created_at: number;
  updated_at: number;
}

function toInstance(row: InstanceRow): InstanceRecord {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    revision: row.revision,
    port: row.port,
    pid: row.pid,
    state: row.state,
    inRotation: row.in_rotation === 1,
    retireAt: row.retire_at,
    dir: row.dir,
    logPath: row.log_path,
    message: row.message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** An instance whose process may be running, as the supervision pass sees it. */
export type LiveProcess = Pick<InstanceRecord, 'id' | 'service' | 'environment' | 'revision' | 'pid' | 'state'>;

/** What a status view shows of an instance. */
export type InstanceSummary = Pick<InstanceRecord, 'id' | 'service' | 'environment' | 'revision' | 'port' | 'pid' | 'state' | 'retireAt'>;

/** States in which an instance's process may be running. */
export const LIVE_STATES: readonly InstanceState[] = ['starting', 'ready', 'draining'];

/**
 * Instances are recorded before their process starts, so a crash between
 * the two leaves a row the next server finds (and a process it can match
 * by its CUTOVER_INSTANCE id), never an unknown process.
 */
export class InstanceStore {
  constructor(private readonly db: Db) {}

  insert(init: Omit<InstanceRecord, 'pid' | 'state' | 'inRotation' | 'retireAt' | 'message' | 'createdAt' | 'updatedAt'>, now = Date.now()): InstanceRecord {
    const row = this.db
      .prepare(
        `INSERT INTO instances (id, service, environment, revision, port, pid, state, in_rotation, dir, log_path, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, NULL, 'starting', 0, ?, ?, ?, ?) RETURNING *`,
      )
      .get(init.id, init.service, init.environment, init.revision, init.port, init.dir, init.logPath, now, now) as InstanceRow;
    return toInstance(row);
  }

  get(id: string): InstanceRecord | null {
    const row = this.db.prepare('SELECT * FROM instances WHERE id = ?').get(id) as InstanceRow | undefined;
    return row ? toInstance(row) : null;
  }

  update(id: string, changes: Partial<Pick<InstanceRecord, 'pid' | 'state' | 'inRotation' | 'retireAt' | 'message'>>, now = Date.now()): void {
    const columns: Record<string, unknown> = {
      pid: changes.pid,
      state: changes.state,
      in_rotation: changes.inRotation === undefined ? undefined : changes.inRotation ? 1 : 0,
      retire_at: changes.retireAt,
      message: changes.message,
    };
    const set = Object.entries(columns).filter(([, value]) => value !== undefined);
    set.push(['updated_at', now]);
    this.db.prepare(`UPDATE instances SET ${set.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ?`).run(...set.map(([, value]) => value), id);
  }

  /** Instances whose process may be running: all of them, or of one service (and revision). */
  live(ref?: ServiceRef, revision?: number): InstanceRecord[] {
    const filters: [string, unknown][] = [
      ['service = ?', ref?.service],
      ['environment = ?', ref?.environment],
      ['revision = ?', revision],
    ].filter(([, value]) => value !== undefined) as [string, unknown][];
    const where = ["state IN ('starting', 'ready', 'draining')", ...filters.map(([clause]) => clause)];
    const values = filters.map(([, value]) => value);
    const rows = this.db.prepare(`SELECT * FROM instances WHERE ${where.join(' AND ')} ORDER BY created_at, id`).all(...values) as InstanceRow[];
    return rows.map(toInstance);
  }

  /**
   * A service's live instances, each with its revision's version (null when
   * the revision is gone), in creation order: what a router push reads, in
   * one query (the versions were a second round trip on PostgreSQL at every push).
   */
  liveWithVersions(ref: ServiceRef): (InstanceRecord & { version: string | null })[] {
    const rows = this.db
      .prepare(
        `SELECT i.*, r.version AS revision_version FROM instances i
         LEFT JOIN revisions r ON r.service = i.service AND r.environment = i.environment AND r.number = i.revision
         WHERE i.state IN ('starting', 'ready', 'draining') AND i.service = ? AND i.environment = ? ORDER BY i.created_at, i.id`,
      )
      .all(ref.service, ref.environment) as (InstanceRow & { revision_version: string | null })[];
    return rows.map((row) => ({ ...toInstance(row), version: row.revision_version }));
  }

  /**
   * The live instances of every service, with only what a status view and
   * the instances gauge show, in creation order: `GET /v1/services` and a
   * scrape read them all (10,000 rows at 1,000 services), whole records were
   * twice the columns and the objects built from them. One JSON text
   * (json-rows.ts). `names`: only the services of those names (a slice of the list).
   */
  liveSummaries(names?: readonly string[]): InstanceSummary[] {
    const within = names ? ` AND service IN (${names.map(() => '?').join(', ') || 'NULL'})` : '';
    const rows = jsonRows(this.db, ['id', 'service', 'environment', 'revision', 'port', 'pid', 'state', 'retire_at'], `FROM instances WHERE state IN ('starting', 'ready', 'draining')${within}`, 'created_at, id', names ?? []);
    return (rows as [string, string, string, number, number, number | null, InstanceState, number | null][]).map(([id, service, environment, revision, port, pid, state, retireAt]) => ({ id, service, environment, revision, port, pid, state, retireAt }));
  }

  /**
   * What the supervision pass checks of every instance that may be running:
   * six columns and no order. It reads them every second, 10,000 rows at
   * 1,000 services; whole records in order were a sixth of the server's CPU.
   * One JSON text (json-rows.ts).
   */
  liveProcesses(): LiveProcess[] {
    const rows = jsonRows(this.db, ['id', 'service', 'environment', 'revision', 'pid', 'state'], `FROM instances WHERE state IN ('starting', 'ready', 'draining')`);
    return (rows as [string, string, string, number, number | null, InstanceState][]).map(([id, service, environment, revision, pid, state]) => ({ id, service, environment, revision, pid, state }));
  }

  /** How many instances may be running (or starting) in the folder `dir`: one count, not a read of every instance. */
  liveIn(dir: string): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM instances WHERE dir = ? AND state IN ('starting', 'ready', 'draining')").get(dir) as { n: number }).n;
  }

  /** Each (service, environment, revision) that has an instance which may be running. */
  liveRevisions(): (ServiceRef & { revision: number })[] {
    return this.db.prepare("SELECT DISTINCT service, environment, revision FROM instances WHERE state IN ('starting', 'ready', 'draining')").all() as (ServiceRef & { revision: number })[];
  }

  /** Per (service, environment, revision): its instances starting or ready and not due for retirement (those that serve, or will). */
  servingCounts(): (ServiceRef & { revision: number; count: number })[] {
    return this.db
      .prepare("SELECT service, environment, revision, COUNT(*) AS count FROM instances WHERE state IN ('starting', 'ready') AND retire_at IS NULL GROUP BY service, environment, revision")
      .all() as (ServiceRef & { revision: number; count: number })[];
  }

  all(ref: ServiceRef): InstanceRecord[] {
    return (this.db.prepare('SELECT * FROM instances WHERE service = ? AND environment = ? ORDER BY created_at, id').all(ref.service, ref.environment) as InstanceRow[]).map(toInstance);
  }

  dueForRetirement(now = Date.now()): InstanceRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM instances WHERE retire_at IS NOT NULL AND retire_at <= ? AND state IN ('starting', 'ready', 'draining')")
      .all(now) as InstanceRow[];
    return rows.map(toInstance);
  }
}
