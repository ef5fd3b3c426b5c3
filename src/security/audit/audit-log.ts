import type { Db } from '../../store/index.ts';
import { GENESIS_HASH, cleanDetails, hashEntry } from './entry.ts';
import type { AuditEntry, AuditRecord, Outcome } from './entry.ts';
import type { AuditHead } from './head.ts';
import { verifyChain } from './verify-chain.ts';
import type { VerifyResult } from './verify-chain.ts';

export interface AuditQuery {
  /** At most this many entries, oldest first. @default 100, at most 1000 */
  limit?: number;
  /** Only entries after this one: pass the last seq you have to page on. @default 0 */
  afterSeq?: number;
  actor?: string;
  target?: string;
}

export interface AuditLogOptions {
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
}

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: Outcome;
  status: number | null;
  remote: string;
  details: string | null;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, at, actor, action, target, outcome, status, remote, details, prev_hash, hash';
const MAX_LIMIT = 1000;

/** Who did what, when, from where, and whether it was allowed: append-only, each entry chained to the one before by its hash. */
export class AuditLog {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    options: AuditLogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  append(record: AuditRecord): AuditEntry {
    const details = record.details === undefined ? undefined : cleanDetails(record.details);
    // The transaction takes the write lock before reading the head, so two
    // processes appending at once queue up instead of both chaining to the same entry.
    return this.db.transaction((): AuditEntry => {
      const last = this.head();
      const unhashed = {
        seq: last.seq + 1,
        at: new Date(this.now()).toISOString(),
        actor: record.actor,
        action: record.action,
        target: record.target,
        outcome: record.outcome,
        ...(record.status === undefined ? {} : { status: record.status }),
        from: record.from,
        ...(details === undefined ? {} : { details }),
        prevHash: last.hash,
      };
      const entry: AuditEntry = { ...unhashed, hash: hashEntry(unhashed) };
      this.db
        .prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.outcome, entry.status ?? null, entry.from, details === undefined ? null : JSON.stringify(details), entry.prevHash, entry.hash);
      return entry;
    });
  }

  list(query: AuditQuery = {}): AuditEntry[] {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 100), 1), MAX_LIMIT);
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM audit_log WHERE seq > ? AND actor = COALESCE(?, actor) AND target = COALESCE(?, target) ORDER BY seq LIMIT ?`)
      .all(query.afterSeq ?? 0, query.actor ?? null, query.target ?? null, limit) as AuditRow[];
    return rows.map(entryFromRow);
  }

  /** The last entry's seq and hash ({ seq: 0, hash: 64 zeros } for an empty log): save it elsewhere to check the log against later. */
  head(): AuditHead {
    const row = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Checks every entry. Without `head`, entries removed from the end and a
   * log rewritten with recomputed hashes go unnoticed; with a head saved
   * earlier, they do not.
   */
  verify(options: { head?: AuditHead } = {}): VerifyResult {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq`).all() as AuditRow[];
    return verifyChain(rows.map(entryFromRow), options.head);
  }
}

function entryFromRow(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    ...(row.status === null ? {} : { status: row.status }),
    from: row.remote,
    ...(row.details === null ? {} : { details: readDetails(row.details) }),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Details as written; text that is no longer JSON (someone edited the row) is shown as it is, and fails verification. */
function readDetails(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { unreadable: text };
  }
}
