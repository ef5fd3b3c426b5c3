/**
 * The audit log table, for the lead to append as a migration. Each row
 * carries the hash of the row before it, so the rows form a chain that an
 * in-place edit, a removal or a reordering breaks (see verify-chain.ts for
 * what it cannot detect).
 */
export const AUDIT_SCHEMA = `
  CREATE TABLE IF NOT EXISTS audit_log (
    seq         INTEGER PRIMARY KEY,      -- 1, 2, 3, … with no gaps; assigned inside the append transaction
    at          TEXT NOT NULL,            -- ISO 8601, as hashed
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    outcome     TEXT NOT NULL,            -- allowed | denied | failed | succeeded
    status      INTEGER,
    remote      TEXT NOT NULL,            -- the remote address the call came from
    details     TEXT,                     -- canonical JSON
    prev_hash   TEXT NOT NULL,            -- hex sha256 of the previous entry; 64 zeros for the first
    hash        TEXT NOT NULL             -- hex sha256 of this entry's canonical JSON without hash
  );
  CREATE INDEX IF NOT EXISTS audit_log_by_actor ON audit_log (actor, seq);
  CREATE INDEX IF NOT EXISTS audit_log_by_target ON audit_log (target, seq);
`;
