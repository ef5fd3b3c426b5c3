import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Listeners, checkChannel } from './notifications.ts';
import { numberedPlaceholders } from './placeholders.ts';
import { Dialect, type NotificationListener, type RunResult, type SqlDatabase, type Statement } from './port.ts';
import type { Prelude, WorkerAnswer, WorkerAsk, WorkerEvent, WorkerReply, WorkerSetup } from './postgres-protocol.ts';
import { pgWorker } from './postgres-worker.ts';
import type { CommitMode } from './group-commit.ts';
import { checkPath } from './sqlite.ts';
import { chosenLink, LibpqConnection, loadLibpq, type PostgresLink } from './postgres-libpq.ts';

const require = createRequire(import.meta.url);

/** The advisory lock every write transaction takes: PostgreSQL's stand-in for SQLite's single writer (any fixed number; this one spells "cutv"). */
export const WRITE_LOCK_KEY = 0x63757476;

export interface PostgresOptions {
  /** Bound of each statement on the server, and of waiting for the write lock. @default 5000 (SQLite's busy timeout) */
  statementTimeoutMs?: number;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /**
   * How long the server's thread waits for a statement's answer before it
   * gives up on the statement (and on the transaction it is in). The worker
   * bounds connecting and running, so this only catches what those miss.
   * Through libpq it is TCP_USER_TIMEOUT: a host or network gone, not a
   * PostgreSQL that keeps the connection but never answers (postgres-libpq.ts).
   * @default statementTimeoutMs + connectTimeoutMs + 5000
   */
  answerTimeoutMs?: number;
  /**
   * How commits reach the disk, as on SQLite (group-commit.ts): `grouped`
   * sets synchronous_commit = off on the statement connection (a COMMIT
   * does not wait for its WAL flush; PostgreSQL's WAL writer flushes within
   * 3 × wal_writer_delay, 0.6 s by default, and a crash of PostgreSQL or its
   * host can take back those last commits, never a part of one); `each`
   * keeps the server's setting (on by default: a flush in every commit).
   * @default 'grouped'
   */
  commits?: CommitMode;
  /** How statements reach PostgreSQL (postgres-libpq.ts). @default libpq when its binding is installed, else worker (CUTOVER_POSTGRES_LINK overrides) */
  link?: PostgresLink;
}

/**
 * The PostgreSQL adapter of the synchronous port (see port.ts for why it is
 * synchronous). Statements go through libpq in this thread when its binding
 * is installed (postgres-libpq.ts); else, and for LISTEN always, through
 * the worker described here. `pg` runs in a worker thread; each call posts the request,
 * with a new id, on a MessageChannel and blocks in Atomics.wait on a shared
 * word until the worker has posted the reply, then takes it with
 * receiveMessageOnPort (the technique of the synckit package). The main
 * thread issues one statement at a time, so one connection serves them all;
 * a second one, in the worker, LISTENs.
 *
 * Ids, not a flag, say which reply is there: a wake-up can be stale (the
 * notify of the previous reply, whose new value the wait had already seen,
 * can arrive during the next wait) and a reply can be late (one given up
 * on). Taking whatever reply was on the port shifted every later statement's
 * answer by one under load (a token check read another query's rows).
 *
 * The cost: one loopback round-trip per statement, during which the main
 * thread does nothing else. So a transaction's BEGIN travels with its first
 * statement, and statements sent with `send` (whose answers nothing waits
 * for) travel with the next one that is waited for, at the latest COMMIT:
 * an event's append is three round trips, not six.
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
  /** The open transaction's BEGIN, not sent yet: it goes with its first statement (a transaction that runs none sends nothing). */
  private beginPending = false;
  /** Statements of the open transaction sent with `send`, not sent yet. */
  private sends: Prelude['sends'] = [];
  /** Set when a statement inside the open transaction was given up on: the transaction is gone, so nothing more may run in it. */
  private abandoned = false;
  private lastId = 0;
  private written = 0;
  private sent = 0;
  private closed = false;
  /** How this database's statements reach PostgreSQL. */
  readonly link: PostgresLink;
  /** The statement connection when the link is libpq (the worker then only LISTENs). */
  private readonly direct: LibpqConnection | null;

  constructor(
    private readonly url: string,
    options: PostgresOptions = {},
  ) {
    this.location = redactUrl(url);
    const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    // A statement may wait for the connection, then run: both bounded in the worker; this bound catches what they miss.
    this.waitMs = options.answerTimeoutMs ?? statementTimeoutMs + connectTimeoutMs + 5000;
    // Decided before the worker starts: a link asked for that cannot be had fails here, naming why.
    this.link = options.link ?? chosenLink();
    const construct = this.link === 'libpq' ? loadLibpq().construct : null;
    if (this.link === 'libpq' && !construct) throw new Error(`PostgreSQL through libpq was asked for, but ${loadLibpq().why}`);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const setup: WorkerSetup = { url, signal: this.signal.buffer as SharedArrayBuffer, port: port2, statementTimeoutMs, connectTimeoutMs, asynchronousCommit: (options.commits ?? 'grouped') === 'grouped' };
    // execArgv: [] because the worker's source is CommonJS, and a worker inherits the process's flags: under
    // `node --input-type=module` it failed to start, unseen, and every statement waited out waitMs.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { ...setup, pg: require.resolve('pg') }, transferList: [port2] });
    this.worker.on('message', (event: WorkerEvent) => this.onEvent(event));
    this.worker.on('error', () => undefined);
    this.worker.unref();
    this.direct = construct ? new LibpqConnection(construct, { url, statementTimeoutMs, connectTimeoutMs, answerTimeoutMs: this.waitMs, asynchronousCommit: setup.asynchronousCommit }) : null;
    // Fails now, with the server named, when PostgreSQL cannot be reached.
    this.call({ kind: 'query', sql: 'SELECT 1', params: [] });
    // Under the write lock, as every migration is (database.ts): servers opening a fresh database at the same
    // instant otherwise both create the table, and one fails on pg_type's unique index (test/store-migrate-race.test.ts).
    this.transaction(() => this.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)'));
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
        send: (...params: unknown[]): void => {
          if (this.depth > 0) this.sends.push({ sql: text, params });
          else this.query(text, params);
        },
      };
      this.statements.set(sql, statement);
    }
    return statement;
  }

  exec(sql: string): void {
    this.call({ kind: 'exec', sql, ...this.prelude() });
  }

  /**
   * BEGIN then the write lock (one round-trip), so write transactions of
   * every server on this database run one after another, as on SQLite; the
   * code relies on that (e.g. an audit entry chained to the head it read).
   * Nested calls are savepoints. The BEGIN is sent with the first statement
   * (the lock is still taken before anything is read).
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
        // What was sent since the savepoint is undone: what is not sent yet need not go.
        this.sends = [];
        if (!this.abandoned) this.exec(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      } finally {
        this.depth--;
      }
    }
    this.beginPending = true;
    this.depth = 1;
    try {
      const result = fn();
      // Nothing sent and nothing to send: there is no transaction to commit.
      if (!this.beginPending || this.sends.length > 0) this.exec('COMMIT');
      return result;
    } catch (error) {
      const begun = !this.beginPending;
      this.beginPending = false;
      this.sends = [];
      try {
        if (begun) this.exec('ROLLBACK');
      } catch {
        // The connection is gone: the server rolled the transaction back itself.
      }
      throw error;
    } finally {
      this.depth = 0;
      this.abandoned = false;
      this.beginPending = false;
      this.sends = [];
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
    this.prepare('DELETE FROM schema_version').send();
    this.prepare('INSERT INTO schema_version (version) VALUES (?)').send(version);
  }

  rowsWritten(): number {
    return this.written;
  }

  statementsRun(): number {
    return this.sent;
  }

  /** Nothing to do: dead row versions stay until VACUUM (see port.ts). */
  eraseDeleted(): void {}

  flushDeleted(): void {}

  /** pg_notify: delivered to every listener on the database when the transaction commits (at once outside one); in one, it travels with the COMMIT. */
  notify(channel: string, payload: string): void {
    checkChannel(channel);
    this.prepare('SELECT pg_notify(?, ?)').send(channel, payload);
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
      this.direct?.close();
      this.call({ kind: 'close' });
    } finally {
      this.closed = true;
      void this.worker.terminate();
    }
  }

  private query(sql: string, params: unknown[]): { rows: Record<string, unknown>[]; rowCount: number } {
    const reply = this.call({ kind: 'query', sql, params, ...this.prelude() });
    if (reply.command === 'INSERT' || reply.command === 'UPDATE' || reply.command === 'DELETE') this.written += reply.rowCount;
    return { rows: reply.rows.map(withBuffers), rowCount: reply.rowCount };
  }

  /** What must run before the next statement waited for, in its round trip: the pending BEGIN and sends, taken (they are sent now). */
  private prelude(): { first?: Prelude; inTransaction?: true } {
    // A transaction begun in an earlier round trip: the worker must not open a new connection for it (postgres-protocol.ts).
    if (!this.beginPending && this.sends.length === 0) return this.depth > 0 ? { inTransaction: true } : {};
    const first: Prelude = { sends: this.sends };
    if (this.beginPending) first.begin = WRITE_LOCK_KEY;
    this.beginPending = false;
    this.sends = [];
    return this.depth > 0 && first.begin === undefined ? { first, inTransaction: true } : { first };
  }

  /**
   * Posts one request and blocks until the worker posted its reply: the one
   * with this request's id (replies to requests given up on are dropped).
   * The worker puts a reply on the port before it stores its id in the
   * shared word, so a word that changed means a reply to read.
   */
  private call(ask: WorkerAsk): Extract<WorkerAnswer, { ok: true }> {
    if (this.closed) throw new Error(`the store on ${this.location} is closed`);
    if (this.abandoned) throw new Error(`a statement of this transaction on ${this.location} was given up on or lost its connection, so the transaction was rolled back; nothing more runs in it`);
    this.sent++;
    // Through libpq, in this thread (postgres-libpq.ts says what bounds a statement there).
    if (this.direct && (ask.kind === 'query' || ask.kind === 'exec')) return this.answer(this.direct.run(ask));
    const id = (this.lastId = this.lastId === 0x7fffffff ? 1 : this.lastId + 1);
    this.port.postMessage({ id, ...ask });
    const deadline = performance.now() + this.waitMs;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) {
        const reply = message.message as WorkerReply;
        if (reply.id === id) return this.answer(reply);
      }
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this.signal, 0, seen, left);
    }
    // Given up on: the worker closes the connection, so the statement cannot commit later, and the next one connects again.
    this.port.postMessage({ id: 0, kind: 'reset' });
    return this.givenUp();
  }

  private givenUp(): never {
    if (this.depth > 0) this.abandoned = true;
    throw new Error(
      `PostgreSQL at ${this.location} did not answer a statement within ${this.waitMs} ms; cutover gave up on it, closed its connection (PostgreSQL rolls back its transaction) and connects again for the next one. If this repeats, look at the database's load and locks (pg_stat_activity)`,
    );
  }

  private answer(reply: WorkerAnswer): Extract<WorkerAnswer, { ok: true }> {
    // The connection lost in a transaction took the transaction with it: what follows in it must not run on a new connection, outside it.
    if (!reply.ok && reply.connection && this.depth > 0) this.abandoned = true;
    if (reply.ok) {
      this.written += reply.sentWritten ?? 0;
      return reply;
    }
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
