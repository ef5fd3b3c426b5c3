import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { flushCommitsPeriodically, type CommitMode } from './group-commit.ts';
import { Listeners, checkChannel } from './notifications.ts';
import { Dialect, type NotificationListener, type SqlDatabase, type Statement } from './port.ts';

/**
 * The embedded store: one SQLite file through better-sqlite3. WAL: a
 * transaction that returned is in the WAL file, so a SIGKILL of the server
 * at any instant loses nothing it acknowledged. How it then reaches the disk
 * (grouped, or an fsync per commit) is `commits` (group-commit.ts).
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = Dialect.Sqlite;
  readonly location: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private readonly totalChanges: Database.Statement;
  private readonly listeners = new Listeners();
  /** Notifications sent inside the transaction in progress: delivered when it commits, dropped when it rolls back. */
  private pending: [string, string][] = [];
  private readonly stopFlushing: () => void;
  private run = 0;

  constructor(file: string, commits: CommitMode = 'grouped') {
    this.location = file;
    // The store holds token hashes and signing-key secrets: readable by the server's user only.
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    this.db = new Database(file);
    // First: switching a new file to WAL takes its lock, which another server opening it at the same instant may hold.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: no fsync inside a commit (flushCommitsPeriodically does it for a group of them); FULL: one in each.
    this.db.pragma(commits === 'each' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
    this.totalChanges = this.db.prepare('SELECT total_changes() AS n');
    this.stopFlushing = commits === 'grouped' ? flushCommitsPeriodically(`${file}-wal`, () => this.rowsWritten()) : () => {};
  }

  /**
   * Every store method prepares its SQL where it runs it; compiling it each
   * time was a sixth of the server's CPU under bench:scale. Prepared once per
   * text instead. Safe because statements are only run whole (get, all, run:
   * synchronous), never iterated, and nothing switches their modes (pluck, raw).
   * Each run is counted (statementsRun).
   */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      const compiled = this.db.prepare(sql);
      statement = {
        get: (...params: unknown[]) => (this.run++, compiled.get(...params)),
        all: (...params: unknown[]) => (this.run++, compiled.all(...params)),
        run: (...params: unknown[]) => (this.run++, compiled.run(...params)),
        send: (...params: unknown[]) => void (this.run++, compiled.run(...params)),
      };
      this.statements.set(sql, statement);
    }
    return statement;
  }

  exec(sql: string): void {
    this.run++;
    this.db.exec(sql);
  }

  /**
   * IMMEDIATE: the write lock is taken at BEGIN, before anything is read, so
   * two processes on one file queue up rather than both reading the same
   * state and one failing to upgrade (the audit chain relies on it).
   */
  transaction<T>(fn: () => T): T {
    const outermost = !this.db.inTransaction;
    if (outermost) this.pending = [];
    // BEGIN and COMMIT (or ROLLBACK), counted as two statements (PostgreSQL's adapter sends its BEGIN with the first one).
    if (outermost) this.run += 2;
    try {
      const result = this.db.transaction(fn).immediate();
      if (outermost) this.flushPending();
      return result;
    } catch (error) {
      if (outermost) this.pending = [];
      throw error;
    }
  }

  jsonText(column: string, path: string): string {
    return `json_extract(${column}, '${checkPath(path)}')`;
  }

  jsonInteger(column: string, path: string): string {
    return `CAST(json_extract(${column}, '${checkPath(path)}') AS INTEGER)`;
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  setSchemaVersion(version: number): void {
    if (!Number.isInteger(version) || version < 0) throw new Error(`schema version ${version} is not a whole number`);
    this.db.pragma(`user_version = ${version}`);
  }

  rowsWritten(): number {
    return (this.totalChanges.get() as { n: number }).n;
  }

  statementsRun(): number {
    return this.run;
  }

  eraseDeleted(): void {
    this.db.pragma('secure_delete = ON');
  }

  flushDeleted(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** In this process only: one SQLite file has one server. */
  notify(channel: string, payload: string): void {
    checkChannel(channel);
    if (this.db.inTransaction) this.pending.push([channel, payload]);
    else this.listeners.deliver(channel, payload);
  }

  listen(channel: string, listener: NotificationListener): () => void {
    return this.listeners.add(channel, listener);
  }

  /** The better-sqlite3 handle, for what only SQLite has (online backup, integrity check). */
  get handle(): Database.Database {
    return this.db;
  }

  close(): void {
    this.stopFlushing();
    this.db.close();
  }

  private flushPending(): void {
    const sent = this.pending;
    this.pending = [];
    for (const [channel, payload] of sent) this.listeners.deliver(channel, payload);
  }
}

/** Distinct SQL texts kept compiled; past it the cache starts again (dynamic SQL could otherwise grow it without end). */
const STATEMENT_CACHE_SIZE = 1000;

/** A JSON path as the store's own code writes them ($.a.b): never user input, checked anyway since it is pasted into SQL. */
export function checkPath(path: string): string {
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) throw new Error(`JSON path ${path} is not of the form $.field.field`);
  return path;
}
