import type { Db } from './database.ts';
import type { ServiceRef } from '../core/types.ts';

export interface DeployLock extends ServiceRef {
  holder: string;
  message: string;
  acquiredAt: number;
}

interface LockRow {
  service: string;
  environment: string;
  holder: string;
  message: string;
  acquired_at: number;
}

/** Deploy locks, one per service in an environment: while it is locked, nothing deploys it (as with `kamal lock`). */
export class LockStore {
  constructor(private readonly db: Db) {}

  get(ref: ServiceRef): DeployLock | null {
    const row = this.db
      .prepare('SELECT service, environment, holder, message, acquired_at FROM locks WHERE service = ? AND environment = ?')
      .get(ref.service, ref.environment) as LockRow | undefined;
    return row ? { service: row.service, environment: row.environment, holder: row.holder, message: row.message, acquiredAt: row.acquired_at } : null;
  }

  /** Takes the lock; returns the lock that is held now (someone else's when it was taken already). */
  acquire(lock: DeployLock): { acquired: boolean; lock: DeployLock } {
    const inserted = this.db
      .prepare('INSERT INTO locks (service, environment, holder, message, acquired_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(service, environment) DO NOTHING')
      .run(lock.service, lock.environment, lock.holder, lock.message, lock.acquiredAt);
    return { acquired: inserted.changes === 1, lock: this.get(lock)! };
  }

  release(ref: ServiceRef): DeployLock | null {
    const held = this.get(ref);
    this.db.prepare('DELETE FROM locks WHERE service = ? AND environment = ?').run(ref.service, ref.environment);
    return held;
  }
}
