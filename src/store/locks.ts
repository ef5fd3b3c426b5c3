import type { Db } from './database.ts';

export interface DeployLock {
  service: string;
  holder: string;
  message: string;
  acquiredAt: number;
}

/** Deploy locks: while a service is locked, nothing deploys it (as with `kamal lock`). */
export class LockStore {
  constructor(private readonly db: Db) {}

  get(service: string): DeployLock | null {
    const row = this.db.prepare('SELECT service, holder, message, acquired_at FROM locks WHERE service = ?').get(service) as
      | { service: string; holder: string; message: string; acquired_at: number }
      | undefined;
    return row ? { service: row.service, holder: row.holder, message: row.message, acquiredAt: row.acquired_at } : null;
  }

  /** Takes the lock; returns the lock that is held now (someone else's when it was taken already). */
  acquire(lock: DeployLock): { acquired: boolean; lock: DeployLock } {
    const inserted = this.db
      .prepare('INSERT INTO locks (service, holder, message, acquired_at) VALUES (?, ?, ?, ?) ON CONFLICT(service) DO NOTHING')
      .run(lock.service, lock.holder, lock.message, lock.acquiredAt);
    return { acquired: inserted.changes === 1, lock: this.get(lock.service)! };
  }

  release(service: string): DeployLock | null {
    const held = this.get(service);
    this.db.prepare('DELETE FROM locks WHERE service = ?').run(service);
    return held;
  }
}
