import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Listeners, checkChannel } from './notifications.ts';
import { numberedPlaceholders } from './placeholders.ts';
import { Dialect, type NotificationListener, type RunResult, type SqlDatabase, type Statement } from './port.ts';
import type { WorkerEvent, WorkerReply, WorkerRequest, WorkerSetup } from './postgres-protocol.ts';
import { pgWorker } from './postgres-worker.ts';
import { checkPath } from './sqlite.ts';

const require = createRequire(import.meta.url);

/** The advisory lock every write transaction takes: PostgreSQL's stand-in for SQLite's single writer (any fixed number; this one spells "cutv"). */
export const WRITE_LOCK_KEY = 0x63757476;

export interface PostgresOptions {
  /** Bound of each statement on the server, and of waiting for the write lock. @default 5000 (SQLite's busy timeout) */
  statementTimeoutMs?: number;
  /** @default 5000 */
  connectTimeoutMs?: number;
}

/**
 * The PostgreSQL adapter of the synchronous port (see port.ts for why it is
 * synchronous). `pg` runs in a worker thread; each call posts the request on
 * a MessageChannel and blocks in Atomics.wait on a shared word until the
 * worker has posted the reply, then takes it with receiveMessageOnPort (the
 * technique of the synckit package). The main thread issues one statement
 * at a time, so one connection serves them all; a second one, in the
 * worker, LISTENs.
 *
 * The cost: one loopback round-trip per statement, during which the main
 * thread does nothing else.
 */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = Dialect.Postgres;
  readonly location: string;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly statements = new Map<string, Statement>();
  private readonly listeners = new Listeners();
  private readonly waitMs: number;
  private depth = 0;
  private written = 0;
  private closed = false;

  constructor(
    private readonly url: string,
    options: PostgresOptions = {},
  ) {
    this.location = redactUrl(url);
    const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    // A statement may wait for the connection, then run: both bounded in the worker; this bound only catches a worker that died.
    this.waitMs = statementTimeoutMs + connectTimeoutMs + 5000;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const setup: WorkerSetup = { url, signal: this.signal.buffer as SharedArrayBuffer, port: port2, statementTimeoutMs, connectTimeoutMs };
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...setup, pg: require.resolve('pg') }, transferList: [port2] });
    this.worker.on('message', (event: WorkerEvent) => this.onEvent(event));
    this.worker.on('error', () => undefined);
    this.worker.unref();
    // Fails now, with the server named, when PostgreSQL cannot be reached.
    this.call({ kind: 'query', sql: 'SELECT 1', params: [] });
    this.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  }

  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= 1000) this.statements.clear();
      const text = numberedPlaceholders(sql);
      statement = {
        get: (...params: unknown[]) => this.query(text, params).rows[0],
        all: (...params: unknown[]) => this.query(text, params).rows,
        run: (...params: unknown[]): RunResult => ({ changes: this.query(text, params).rowCount }),
      };
      this.statements.set(sql, statement);
    }
    return statement;
  }

  exec(sql: string): void {
    this.call({ kind: 'exec', sql });
  }

  /**
   * BEGIN then the write lock (one round-trip), so write transactions of
   * every server on this database run one after another, as on SQLite; the
   * code relies on that (e.g. an audit entry chained to the head it read).
   * Nested calls are savepoints.
   */
  transaction<T>(fn: () => T): T {
    if (this.depth > 0) {
      const name = `cutover_${this.depth}`;
      this.exec(`SAVEPOINT ${name}`);
      this.depth++;
      try {
        const result = fn();
        this.exec(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        this.exec(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      } finally {
        this.depth--;
      }
    }
    this.call({ kind: 'begin', lockKey: WRITE_LOCK_KEY });
    this.depth = 1;
    try {
      const result = fn();
      this.exec('COMMIT');
      return result;
    } catch (error) {
      try {
        this.exec('ROLLBACK');
      } catch {
        // The connection is gone: the server rolled the transaction back itself.
      }
      throw error;
    } finally {
      this.depth = 0;
    }
  }

  jsonText(column: string, path: string): string {
    return `(${column}::jsonb #>> '{${jsonPath(path)}}')`;
  }

  jsonInteger(column: string, path: string): string {
    return `(${column}::jsonb #>> '{${jsonPath(path)}}')::bigint`;
  }

  schemaVersion(): number {
    const row = this.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null };
    return row.version ?? 0;
  }

  setSchemaVersion(version: number): void {
    this.prepare('DELETE FROM schema_version').run();
    this.prepare('INSERT INTO schema_version (version) VALUES (?)').run(version);
  }

  rowsWritten(): number {
    return this.written;
  }

  /** Nothing to do: dead row versions stay until VACUUM (see port.ts). */
  eraseDeleted(): void {}

  flushDeleted(): void {}

  /** pg_notify: delivered to every listener on the database when the transaction commits (at once outside one). */
  notify(channel: string, payload: string): void {
    checkChannel(channel);
    this.prepare('SELECT pg_notify(?, ?)').get(channel, payload);
  }

  listen(channel: string, listener: NotificationListener): () => void {
    const first = !this.listeners.has(channel);
    const stop = this.listeners.add(channel, listener);
    if (first) this.call({ kind: 'listen', channel });
    return () => {
      stop();
      if (!this.listeners.has(channel) && !this.closed) this.call({ kind: 'unlisten', channel });
    };
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call({ kind: 'close' });
    } finally {
      this.closed = true;
      void this.worker.terminate();
    }
  }

  private query(sql: string, params: unknown[]): { rows: Record<string, unknown>[]; rowCount: number } {
    const reply = this.call({ kind: 'query', sql, params });
    if (reply.command === 'INSERT' || reply.command === 'UPDATE' || reply.command === 'DELETE') this.written += reply.rowCount;
    return { rows: reply.rows.map(withBuffers), rowCount: reply.rowCount };
  }

  /** Posts one request and blocks until the worker replied. */
  private call(request: WorkerRequest): Extract<WorkerReply, { ok: true }> {
    if (this.closed) throw new Error(`the store on ${this.location} is closed`);
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage(request);
    const waited = Atomics.wait(this.signal, 0, 0, this.waitMs);
    const message = receiveMessageOnPort(this.port);
    if (waited === 'timed-out' || !message) {
      throw new Error(`PostgreSQL at ${this.location} did not answer within ${this.waitMs} ms (its worker thread is stuck or gone); restart the server`);
    }
    const reply = message.message as WorkerReply;
    if (reply.ok) return reply;
    const what = reply.connection
      ? `could not reach PostgreSQL at ${this.location}: ${redactText(reply.message, this.url)}. Check that it runs and accepts this user (the next statement connects again)`
      : `PostgreSQL at ${this.location} refused a statement: ${reply.message}${reply.code ? ` (SQLSTATE ${reply.code})` : ''}`;
    throw Object.assign(new Error(what), { code: reply.code });
  }

  private onEvent(event: WorkerEvent): void {
    if (event.kind === 'notification') this.listeners.deliver(event.channel, event.payload);
    else this.listeners.deliver(LISTENER_STATE_CHANNEL, event.state);
  }
}

/**
 * A pseudo-channel told 'lost' and 'back' when the LISTEN connection drops
 * and returns: notifications sent in between are not received, so a
 * listener that must see everything reads the store again on 'back'.
 */
export const LISTENER_STATE_CHANNEL = 'cutover_listener_state';

/**
 * The worker's program: pgWorker's own text, so it is the same from dist/ and
 * from source under tsx or vitest (whose esbuild may wrap functions in __name).
 */
const WORKER_SOURCE = `var __name = (f) => f;
const { workerData, parentPort } = require('node:worker_threads');
(${String(pgWorker)})(require(workerData.pg), workerData, parentPort);`;

function jsonPath(path: string): string {
  return checkPath(path).slice(2).split('.').join(',');
}

/** Structured clone turns Buffers into Uint8Arrays: blobs come back as Buffers, as from SQLite. */
function withBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return row;
}

/** The URL with its password replaced by ***: for logs and messages (the password is never printed). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) if (/pass/i.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return 'an unparsable PostgreSQL URL';
  }
}

function redactText(text: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? text.split(password).join('***') : text;
  } catch {
    return text;
  }
}
