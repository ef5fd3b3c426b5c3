import type { Db } from './database.ts';

export interface RouterRecord {
  service: string;
  pid: number | null;
  adminPort: number;
  generation: number;
}

/** The router process of each service: where its admin endpoint is and which config generation it has. */
export class RouterStore {
  constructor(private readonly db: Db) {}

  get(service: string): RouterRecord | null {
    const row = this.db.prepare('SELECT service, pid, admin_port, generation FROM routers WHERE service = ?').get(service) as
      | { service: string; pid: number | null; admin_port: number; generation: number }
      | undefined;
    return row ? { service: row.service, pid: row.pid, adminPort: row.admin_port, generation: row.generation } : null;
  }

  save(record: RouterRecord, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO routers (service, pid, admin_port, generation, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(service) DO UPDATE SET pid = excluded.pid, admin_port = excluded.admin_port, generation = excluded.generation, updated_at = excluded.updated_at`,
      )
      .run(record.service, record.pid, record.adminPort, record.generation, now);
  }

  /** The next config generation: stored before the push, so it only ever grows. */
  nextGeneration(service: string): number {
    return this.db.transaction(() => {
      this.db.prepare('UPDATE routers SET generation = generation + 1 WHERE service = ?').run(service);
      return this.get(service)?.generation ?? 1;
    })();
  }

  remove(service: string): void {
    this.db.prepare('DELETE FROM routers WHERE service = ?').run(service);
  }
}
