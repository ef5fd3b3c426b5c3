import { Dialect, type Db } from '../../store/index.ts';
import { claim, type LeaseRow, type LeaseTerms } from './lease.ts';

/** The lease as the API shows it: who leads, where it answers, until when. */
export interface LeaseHolder extends LeaseRow {
  url: string;
  /** Whether the lease was still live at the database's clock when read. */
  live: boolean;
}

interface Row {
  holder: string;
  holder_url: string;
  token: number;
  expires_at: number;
  since: number;
}

/**
 * The database's own clock in ms: every replica reads expiry against the
 * same clock. PostgreSQL's clock_timestamp() is the time of the statement
 * (now() would be the start of the transaction).
 */
function dbNowMs(db: Db): string {
  return db.dialect === Dialect.Postgres ? 'CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)' : `CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`;
}

/**
 * The lease row in the store. A claim reads the row and the database's
 * clock and writes the outcome of lease.ts's `claim` in one write transaction, so two replicas claiming at once are serialised by the
 * database and exactly one of them gets a live lease.
 */
export class LeaseStore {
  private readonly nowSql: string;

  constructor(
    private readonly db: Db,
    private readonly name = 'engine',
  ) {
    this.nowSql = dbNowMs(db);
  }

  /** The database's clock. */
  now(): number {
    return (this.db.prepare(`SELECT ${this.nowSql} AS now`).get() as { now: number }).now;
  }

  /** Claims or renews the lease for `me`; returns the row written, or null when another replica holds it. */
  claim(me: { id: string; url: string }, terms: LeaseTerms): LeaseRow | null {
    // The store's write transactions are serialised (SQLite's single writer, PostgreSQL's advisory lock):
    // the read and the write below are one step for every other replica's claim.
    return this.db.transaction(() => {
      const now = this.now();
      const held = this.read();
      const next = claim(held, me.id, now, terms);
      if (next === null) return null;
      this.db
        .prepare(
          `INSERT INTO leases (name, holder, holder_url, token, expires_at, since) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, holder_url = excluded.holder_url, token = excluded.token, expires_at = excluded.expires_at, since = excluded.since`,
        )
        .run(this.name, next.holder, me.url, next.token, next.expiresAt, next.since);
      return next;
    });
  }

  /** Ends our own term at once (a graceful stop), so a follower takes over at its next attempt instead of after the lease. */
  release(me: string, token: number): void {
    this.db.prepare(`UPDATE leases SET expires_at = ${this.nowSql} WHERE name = ? AND holder = ? AND token = ?`).run(this.name, me, token);
  }

  /** Whether `me` still holds a live lease with `token`: the check a write makes inside its transaction. */
  holds(me: string, token: number): boolean {
    return this.db.prepare(`SELECT 1 FROM leases WHERE name = ? AND holder = ? AND token = ? AND expires_at > ${this.nowSql}`).get(this.name, me, token) !== undefined;
  }

  /** The current holder, live or not; null before any replica ever led. */
  holder(): LeaseHolder | null {
    const row = this.db.prepare(`SELECT holder, holder_url, token, expires_at, since, ${this.nowSql} AS now FROM leases WHERE name = ?`).get(this.name) as (Row & { now: number }) | undefined;
    return row ? { holder: row.holder, url: row.holder_url, token: row.token, expiresAt: row.expires_at, since: row.since, live: row.expires_at > row.now } : null;
  }

  private read(): LeaseRow | null {
    const row = this.db.prepare('SELECT holder, holder_url, token, expires_at, since FROM leases WHERE name = ?').get(this.name) as Row | undefined;
    return row ? { holder: row.holder, token: row.token, expiresAt: row.expires_at, since: row.since } : null;
  }
}
