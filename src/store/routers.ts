import type { Db } from './database.ts';
import type { ServiceRef } from '../core/types.ts';

export interface RouterRecord extends ServiceRef {
  /** The CUTOVER_ROUTER mark its process was started with: how it is found again after a restart of the server. */
  mark: string;
  pid: number | null;
  adminPort: number;
  generation: number;
}

interface RouterRow {
  service: string;
  environment: string;
  mark: string;
  pid: number | null;
  admin_port: number;
  generation: number;
}

/** The router process of each service: where its admin endpoint is and which config generation it has. */
export class RouterStore {
  constructor(private readonly db: Db) {}

  get(ref: ServiceRef): RouterRecord | null {
    const row = this.db
      .prepare('SELECT service, environment, mark, pid, admin_port, generation FROM routers WHERE service = ? AND environment = ?')
      .get(ref.service, ref.environment) as RouterRow | undefined;
    return row ? toRecord(row) : null;
  }

  /** Every router recorded, in no particular order. */
  list(): RouterRecord[] {
    return (this.db.prepare('SELECT service, environment, mark, pid, admin_port, generation FROM routers').all() as RouterRow[]).map(toRecord);
  }

  all(): RouterRecord[] {
    const rows = this.db.prepare('SELECT service, environment, mark, pid, admin_port, generation FROM routers').all() as RouterRow[];
    return rows.map((row) => ({ service: row.service, environment: row.environment, mark: row.mark, pid: row.pid, adminPort: row.admin_port, generation: row.generation }));
  }

  save(record: RouterRecord, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO routers (service, environment, mark, pid, admin_port, generation, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(service, environment) DO UPDATE SET mark = excluded.mark, pid = excluded.pid, admin_port = excluded.admin_port, generation = excluded.generation, updated_at = excluded.updated_at`,
      )
      .run(record.service, record.environment, record.mark, record.pid, record.adminPort, record.generation, now);
  }

  /** The next config generation: stored before the push, so it only ever grows. */
  nextGeneration(ref: ServiceRef): number {
    return this.db.transaction(() => {
      this.db.prepare('UPDATE routers SET generation = generation + 1 WHERE service = ? AND environment = ?').run(ref.service, ref.environment);
      return this.get(ref)?.generation ?? 1;
    });
  }

  remove(ref: ServiceRef): void {
    this.db.prepare('DELETE FROM routers WHERE service = ? AND environment = ?').run(ref.service, ref.environment);
  }
}

function toRecord(row: RouterRow): RouterRecord {
  return { service: row.service, environment: row.environment, mark: row.mark, pid: row.pid, adminPort: row.admin_port, generation: row.generation };
}
