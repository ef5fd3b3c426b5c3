import type { Db } from './database.ts';

/**
 * Which events' alerts a leader has taken on, so that across a change of
 * leader each event's alerts are sent once: by the leader that claims the
 * event, never by a deposed one (its token is lower) and never twice (the
 * claimed position only moves forward).
 *
 * The row carries the fencing token of the term that wrote it, as a fenced
 * resource does: a new leader raises it first (`enter`), and from then on a
 * leader of an older term claims nothing, whatever it believes.
 */
export class AlertClaims {
  constructor(private readonly db: Db) {}

  /**
   * Starts the term `token`: the row takes its token unless a newer term
   * has; returns the last event claimed, or null when a newer term holds it.
   */
  enter(token: number): number | null {
    const entered = this.db.prepare("UPDATE alert_claims SET token = ? WHERE name = 'events' AND token <= ?").run(token, token);
    if (entered.changes !== 1) return null;
    return (this.db.prepare("SELECT seq FROM alert_claims WHERE name = 'events'").get() as { seq: number }).seq;
  }

  /** Claims the alerts of every event up to `seq` for the term `token`: false when a leader claimed it already, or a newer term began. */
  claim(seq: number, token: number): boolean {
    return this.db.prepare("UPDATE alert_claims SET seq = ? WHERE name = 'events' AND seq < ? AND token = ?").run(seq, seq, token).changes === 1;
  }
}
