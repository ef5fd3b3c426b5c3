/**
 * The leadership lease of control-plane replicas (issue 15): one row per
 * lease (today only `engine`), written by whichever replica holds it.
 * Times are the database's clock in ms, so replicas on several hosts agree
 * on when a lease expires whatever their own clocks say.
 */
export const LEADERSHIP = `
  CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,            -- the replica's id (host, pid, random)
    holder_url  TEXT NOT NULL,            -- where that replica's API answers
    token       INTEGER NOT NULL,         -- the fencing token: +1 on every new term
    expires_at  INTEGER NOT NULL,
    since       INTEGER NOT NULL
  );
`;
