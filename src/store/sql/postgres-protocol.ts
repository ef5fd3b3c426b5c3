import type { MessagePort } from 'node:worker_threads';

/** What the main thread asks the PostgreSQL worker (postgres-worker.ts), one request at a time. */
export type WorkerRequest =
  | { kind: 'query'; sql: string; params: unknown[] }
  /** Several statements without parameters (schema changes). */
  | { kind: 'exec'; sql: string }
  /** BEGIN and the write lock, in one round-trip. */
  | { kind: 'begin'; lockKey: number }
  | { kind: 'listen'; channel: string }
  | { kind: 'unlisten'; channel: string }
  | { kind: 'close' };

export type WorkerReply =
  | { ok: true; rows: Record<string, unknown>[]; rowCount: number; command: string }
  | { ok: false; message: string; code: string | undefined; connection: boolean };

/** Sent by the worker on its own, without being asked: a NOTIFY received, or the LISTEN connection lost or back. */
export type WorkerEvent = { kind: 'notification'; channel: string; payload: string } | { kind: 'listener'; state: 'lost' | 'back'; message: string };

export interface WorkerSetup {
  url: string;
  /** Int32 [0]: 0 while a request is in flight, 1 once its reply is posted. */
  signal: SharedArrayBuffer;
  port: MessagePort;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}
