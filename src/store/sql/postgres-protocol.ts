import type { MessagePort } from 'node:worker_threads';

/** What the main thread asks the PostgreSQL worker (postgres-worker.ts), one request at a time; `id` comes back on its reply. */
export type WorkerRequest = { id: number } & WorkerAsk;

/**
 * `inTransaction` on a query or exec: a transaction begun by an earlier
 * request is open, so a connection lost since must fail the statement (the
 * transaction went with it) rather than be opened again for it.
 */
export type WorkerAsk =
  | { kind: 'query'; sql: string; params: unknown[]; first?: Prelude; inTransaction?: true }
  /** Several statements without parameters (schema changes, transaction control). */
  | { kind: 'exec'; sql: string; first?: Prelude; inTransaction?: true }
  | { kind: 'listen'; channel: string }
  | { kind: 'unlisten'; channel: string }
  | { kind: 'close' }
  /**
   * Sent, without waiting for a reply, after the main thread gave up on a
   * request: the statement connection is closed (PostgreSQL rolls back its
   * open transaction) so nothing the abandoned request started can commit
   * later; the next statement connects again.
   */
  | { kind: 'reset' };

/**
 * What the worker (or the libpq link) runs, in order, before a query or exec on the same
 * connection and in the same round trip: the BEGIN (with the write lock) of
 * a transaction whose first statement this is, then the statements sent
 * without waiting for their answers (Statement.send). The first failure
 * stops there and is the answer.
 */
export interface Prelude {
  begin?: number;
  sends: { sql: string; params: unknown[] }[];
}

export type WorkerAnswer =
  /** sentWritten: rows the prelude's sends inserted, updated or deleted. */
  | { ok: true; rows: Record<string, unknown>[]; rowCount: number; command: string; sentWritten?: number }
  | { ok: false; message: string; code: string | undefined; connection: boolean };

/** An answer with the id of the request it answers: a late answer to a request the main thread gave up on is recognised and dropped. */
export type WorkerReply = { id: number } & WorkerAnswer;

/** Sent by the worker on its own, without being asked: a NOTIFY received, or the LISTEN connection lost or back. */
export type WorkerEvent = { kind: 'notification'; channel: string; payload: string } | { kind: 'listener'; state: 'lost' | 'back'; message: string };

export interface WorkerSetup {
  url: string;
  /** Int32 [0]: the id of the last reply posted (stored after the reply is on the port, then notified). */
  signal: SharedArrayBuffer;
  port: MessagePort;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** The statement connection commits without waiting for the WAL flush (synchronous_commit = off): grouped commits, as on SQLite. */
  asynchronousCommit: boolean;
}
