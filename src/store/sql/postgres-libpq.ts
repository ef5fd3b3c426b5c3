import { createRequire } from 'node:module';
import type { Prelude, WorkerAnswer } from './postgres-protocol.ts';

const require = createRequire(import.meta.url);

/**
 * How the server's thread reaches PostgreSQL for its statements:
 * - `libpq`: libpq itself, through the optional native binding `libpq`, in
 *   the server's own thread: no hand-off between threads, and the
 *   statements of a round trip in one pipeline. Measured about half the
 *   time per statement of the worker's way, and a third of the API's p99
 *   under load (bench:scale; README "PostgreSQL").
 * - `worker`: the pure-JavaScript `pg` in a worker thread, the server's
 *   thread blocked in Atomics.wait (postgres-worker.ts): two thread hand-offs
 *   more per round trip, and pg's protocol parsed in JavaScript. The way
 *   when the binding could not be built (it needs libpq's headers and a
 *   compiler at `npm install`).
 * Either way notifications are LISTENed for in the worker thread: they come
 * when they come, and only an event loop can wait for them.
 */
export type PostgresLink = 'libpq' | 'worker';

/** The part of the `libpq` binding used here (its own types are not published). */
interface Libpq {
  connectSync(conninfo: string): void;
  finish(): void;
  exec(sql: string): void;
  errorMessage(): string;
  transactionStatus(): number;
  sendQuery(sql: string): boolean;
  sendQueryParams(sql: string, params: (string | null)[]): boolean;
  getResult(): boolean;
  resultStatus(): string;
  resultErrorMessage(): string;
  resultErrorFields(): { sqlState?: string } | null;
  cmdStatus(): string;
  cmdTuples(): string;
  ntuples(): number;
  nfields(): number;
  fname(column: number): string;
  ftype(column: number): number;
  getvalue(row: number, column: number): string;
  getisnull(row: number, column: number): boolean;
  enterPipelineMode(): boolean;
  exitPipelineMode(): boolean;
  pipelineSync(): boolean;
  pipelineModeSupported(): boolean;
}

/** libpq's PQTRANS_UNKNOWN: the connection is bad. */
const TRANSACTION_UNKNOWN = 4;

let binding: { construct: (() => Libpq) | null; why: string } | undefined;

/** The native binding, loaded once; null with the reason when it is not installed or was built without pipeline mode. */
export function loadLibpq(): { construct: (() => Libpq) | null; why: string } {
  if (binding) return binding;
  try {
    const PQ = require('libpq') as new () => Libpq;
    binding = new PQ().pipelineModeSupported()
      ? { construct: () => new PQ(), why: '' }
      : { construct: null, why: 'the libpq binding was built against a libpq older than 14 (no pipeline mode)' };
  } catch (error) {
    binding = { construct: null, why: `the optional libpq binding is not installed (${String((error as Error).message ?? error).split('\n')[0]}); install libpq-dev and a C++ compiler, then \`npm rebuild libpq\`` };
  }
  return binding;
}

/** The link the server uses: CUTOVER_POSTGRES_LINK if set (a diagnostic knob), else libpq when its binding loads. */
export function chosenLink(asked: string | undefined = process.env.CUTOVER_POSTGRES_LINK): PostgresLink {
  if (asked === undefined || asked === '') return loadLibpq().construct ? 'libpq' : 'worker';
  if (asked === 'worker') return 'worker';
  if (asked !== 'libpq') throw new Error(`CUTOVER_POSTGRES_LINK must be libpq or worker, not "${asked.slice(0, 40)}"; unset it to use libpq when it is installed`);
  if (!loadLibpq().construct) throw new Error(`CUTOVER_POSTGRES_LINK=libpq, but ${loadLibpq().why}`);
  return 'libpq';
}

export interface LibpqSetup {
  url: string;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /**
   * How long a statement's bytes may stay unacknowledged by PostgreSQL's
   * host before the connection is given up (TCP_USER_TIMEOUT), with
   * keepalives for a connection waiting on an answer: what the worker's
   * answer timeout catches (a host gone, a cable cut).
   */
  answerTimeoutMs: number;
  asynchronousCommit: boolean;
}

type Answer = WorkerAnswer;
type Step = { sql: string; params: unknown[] };

/**
 * One connection to PostgreSQL through libpq, in the server's thread: a
 * statement, with what must go before it (the BEGIN and the sends), is one
 * round trip (a pipeline), and its answer is taken as pg would give it (the
 * same type parsers; bigint and numeric as numbers). The thread blocks in
 * libpq's own wait on the socket, woken when the answer is in. A lost
 * connection is dropped and the next statement connects again.
 *
 * What bounds a statement here: statement_timeout and lock_timeout on the
 * server; connect_timeout; TCP_USER_TIMEOUT (the answer timeout) and
 * keepalives when PostgreSQL's host or the network is gone. Not bounded: a
 * PostgreSQL that keeps its connections open but answers nothing (its
 * process stopped, its disk hung) holds the thread until it answers. The
 * worker's way gives up on such a statement at the answer timeout; waiting
 * for the socket with a deadline from this thread could only be done by
 * waking to look, which measured slower than the worker itself under load
 * (bench:scale; README "PostgreSQL").
 */
export class LibpqConnection {
  private connection: Libpq | null = null;
  private readonly parsers = new Map<number, (text: string) => unknown>();
  private readonly types = require('pg').types as { getTypeParser(oid: number, format: 'text'): (text: string) => unknown };
  private readonly prepareValue = (require('pg/lib/utils') as { prepareValue(value: unknown): unknown }).prepareValue;

  constructor(
    private readonly construct: () => Libpq,
    private readonly setup: LibpqSetup,
  ) {}

  /** A query (rows back) or an exec (statements without parameters), after its prelude. */
  run(ask: { kind: 'query'; sql: string; params: unknown[]; first?: Prelude; inTransaction?: true } | { kind: 'exec'; sql: string; first?: Prelude; inTransaction?: true }): Answer {
    // The connection a transaction began on is gone: so is the transaction (as the worker refuses, postgres-worker.ts).
    if (ask.inTransaction && !this.connection) return { ok: false, message: 'the connection to PostgreSQL was lost in the middle of a transaction', code: undefined, connection: true };
    let db: Libpq;
    try {
      db = this.connect();
    } catch (error) {
      return { ok: false, message: (error as Error).message.trim(), code: undefined, connection: true };
    }
    const steps: Step[] = [];
    if (ask.first?.begin !== undefined) steps.push({ sql: 'BEGIN', params: [] }, { sql: 'SELECT pg_advisory_xact_lock($1)', params: [ask.first.begin] });
    steps.push(...(ask.first?.sends ?? []));
    // Several statements in one text (a migration) cannot go in a pipeline: they follow it, as a simple query.
    const several = ask.kind === 'exec' && ask.sql.includes(';');
    if (!several) steps.push({ sql: ask.sql, params: ask.kind === 'query' ? ask.params : [] });
    let answer: Answer = { ok: true, rows: [], rowCount: 0, command: 'EXEC', sentWritten: 0 };
    if (steps.length > 0) answer = this.pipeline(db, steps, !several);
    if (answer.ok && several) answer = this.simple(db, ask.sql, answer.sentWritten ?? 0);
    if (!answer.ok && answer.connection) this.drop();
    return ask.kind === 'exec' && answer.ok ? { ...answer, rows: [], rowCount: 0, command: 'EXEC' } : answer;
  }

  close(): void {
    this.drop();
  }

  private connect(): Libpq {
    if (this.connection) return this.connection;
    const db = hold(this.construct());
    // connectSync throws with libpq's message when the server cannot be reached or refuses (bounded by connect_timeout).
    try {
      db.connectSync(this.conninfo());
    } catch (error) {
      release(db);
      throw error;
    }
    const { statementTimeoutMs: timeout, asynchronousCommit } = this.setup;
    // As the worker's connection: statements and lock waits bounded, an idle transaction ended, grouped commits;
    // and no NOTICE printed on stderr by libpq (pg drops them): errors come back as answers.
    db.exec(
      `SET statement_timeout = ${timeout}; SET lock_timeout = ${timeout}; SET idle_in_transaction_session_timeout = ${timeout * 6}; SET application_name = 'cutover'; SET client_min_messages = error` +
        (asynchronousCommit ? '; SET synchronous_commit = off' : ''),
    );
    const failed = this.failure(db);
    if (failed) {
      release(db);
      throw new Error(failed.ok ? 'could not set up the connection' : failed.message);
    }
    this.connection = db;
    return db;
  }

  /** The user's URL with libpq's timeouts added (unless the URL sets them). */
  private conninfo(): string {
    const url = new URL(this.setup.url);
    const add = (key: string, value: number) => {
      if (!url.searchParams.has(key)) url.searchParams.set(key, String(value));
    };
    add('connect_timeout', Math.max(2, Math.ceil(this.setup.connectTimeoutMs / 1000)));
    add('tcp_user_timeout', this.setup.answerTimeoutMs);
    add('keepalives_idle', 5);
    add('keepalives_interval', 2);
    add('keepalives_count', 3);
    return url.toString();
  }

  /**
   * Sends every step (with one Sync after them), then reads each one's
   * result in order: a failed step makes PostgreSQL skip the rest (each
   * answered PIPELINE_ABORTED) up to the Sync, and the first failure is the
   * answer; else the last step's rows (`lastIsAsked`) and the writes of the
   * others. getResult blocks in libpq until the next result is in, and is
   * false at the end of a step's results (or on a connection gone bad). Sending blocks, if ever: the steps are a few small statements,
   * far below what the socket's buffers hold.
   */
  private pipeline(db: Libpq, steps: Step[], lastIsAsked: boolean): Answer {
    const piped = steps.length > 1;
    if (piped) db.enterPipelineMode();
    let sent = true;
    for (const step of steps) sent = sent && db.sendQueryParams(step.sql, step.params.map((value) => this.param(value)));
    if (!sent || (piped && !db.pipelineSync())) return this.lost(db);
    let failure: Answer | null = null;
    let last: Answer = { ok: true, rows: [], rowCount: 0, command: '' };
    let sentWritten = 0;
    for (let i = 0; i < steps.length; i++) {
      // A NULL where a step's result was due: the connection is gone.
      if (!db.getResult()) return this.lost(db);
      if (db.resultStatus() !== 'PGRES_PIPELINE_ABORTED') {
        const failed = this.failure(db);
        if (failed) failure ??= failed;
        else {
          const answer = this.answer(db);
          if (lastIsAsked && i === steps.length - 1) last = answer;
          // The prelude's writes are counted apart (as the worker does).
          else if (answer.ok && /^(INSERT|UPDATE|DELETE)$/.test(answer.command)) sentWritten += answer.rowCount;
        }
      }
      // Each step's results end with a NULL.
      while (db.getResult()) if (db.resultStatus() === 'PGRES_PIPELINE_SYNC') return this.lost(db);
    }
    if (piped) {
      if (!db.getResult() || db.resultStatus() !== 'PGRES_PIPELINE_SYNC') return this.lost(db);
      db.exitPipelineMode();
    }
    if (failure) return failure;
    return last.ok ? { ...last, sentWritten } : last;
  }

  /** Statements without parameters, several in one text, as one simple query (its last result says how it went). */
  private simple(db: Libpq, sql: string, sentWritten: number): Answer {
    if (!db.sendQuery(sql)) return this.lost(db);
    let failure: Answer | null = null;
    while (db.getResult()) failure ??= this.failure(db);
    return failure ?? { ok: true, rows: [], rowCount: 0, command: 'EXEC', sentWritten };
  }

  /** The current result as rows, parsed as pg parses them. */
  private answer(db: Libpq): Answer {
    const command = db.cmdStatus().split(' ')[0] ?? '';
    const columns = db.nfields();
    const names: string[] = [];
    const parse: ((text: string) => unknown)[] = [];
    for (let c = 0; c < columns; c++) {
      names.push(db.fname(c));
      parse.push(this.parserOf(db.ftype(c)));
    }
    const rows: Record<string, unknown>[] = [];
    for (let r = 0, count = db.ntuples(); r < count; r++) {
      const row: Record<string, unknown> = {};
      for (let c = 0; c < columns; c++) row[names[c]!] = db.getisnull(r, c) ? null : parse[c]!(db.getvalue(r, c));
      rows.push(row);
    }
    const tuples = db.cmdTuples();
    return { ok: true, rows, rowCount: tuples === '' ? rows.length : Number(tuples), command };
  }

  /** Integers as numbers, as the worker sets pg: bigint columns (ids, times in ms) stay far below 2^53; counts and sums too. */
  private parserOf(oid: number): (text: string) => unknown {
    let parser = this.parsers.get(oid);
    if (!parser) {
      parser = oid === INT8 || oid === NUMERIC ? Number : this.types.getTypeParser(oid, 'text');
      this.parsers.set(oid, parser);
    }
    return parser;
  }

  /** A parameter as text, as pg would send it; bytea in its hex form (pg sends Buffers in binary). */
  private param(value: unknown): string | null {
    const prepared = this.prepareValue(value);
    if (prepared === null || prepared === undefined) return null;
    return Buffer.isBuffer(prepared) ? `\\x${prepared.toString('hex')}` : String(prepared);
  }

  /** The current result's failure, or null (the caller drops a connection gone bad: nothing is called on a finished one). */
  private failure(db: Libpq): Answer | null {
    const status = db.resultStatus();
    if (status !== 'PGRES_FATAL_ERROR' && status !== 'PGRES_BAD_RESPONSE' && status !== 'PGRES_NONFATAL_ERROR') return null;
    const code = db.resultErrorFields()?.sqlState;
    const message = (db.resultErrorMessage() || db.errorMessage()).trim();
    // No SQLSTATE: the connection failed or was lost (refused, timed out, reset), not the statement.
    const connection = typeof code !== 'string' || /^(08|57P)/.test(code) || db.transactionStatus() === TRANSACTION_UNKNOWN;
    return { ok: false, message: message || 'the connection to PostgreSQL was lost', code, connection };
  }

  private lost(db: Libpq): Answer {
    const message = db.errorMessage().trim();
    return { ok: false, message: message || 'the connection to PostgreSQL was lost', code: undefined, connection: true };
  }

  /** A connection in an unknown state is never used again: PostgreSQL rolls back what it had begun. */
  private drop(): void {
    const lost = this.connection;
    this.connection = null;
    if (lost) release(lost);
  }
}

/**
 * Every connection object from its creation until a second after its
 * finish: the binding keeps a libuv handle inside the object and closes
 * it asynchronously, so an object collected before the loop has finished
 * closing it aborts the process (`uv__finish_close` assertion, seen in
 * tests that open and close stores in a row).
 */
const held = new Set<Libpq>();

function hold(db: Libpq): Libpq {
  held.add(db);
  return db;
}

function release(db: Libpq): void {
  db.finish();
  setTimeout(() => held.delete(db), 1000).unref();
}

const INT8 = 20;
const NUMERIC = 1700;
