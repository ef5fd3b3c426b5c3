/**
 * Which events' alerts a leader has taken on (issue 15: control-plane
 * replicas). One row: the last event whose alerts were claimed, and the
 * fencing token of the term that claimed it. Starts at the newest event, so
 * an upgraded store does not alert on its history.
 */
export const ALERT_CLAIMS = `
  CREATE TABLE alert_claims (
    name        TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,         -- the last event whose alerts a leader claimed (or looked at and found none)
    token       INTEGER NOT NULL          -- the fencing token of the leader that wrote it; lower ones are refused
  );
  INSERT INTO alert_claims (name, seq, token) SELECT 'events', COALESCE(MAX(seq), 0), 0 FROM events;
`;
