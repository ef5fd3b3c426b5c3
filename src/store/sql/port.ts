/**
 * The one contract every store class and SQL site uses: a synchronous SQL
 * database, with two adapters (SQLite through better-sqlite3, PostgreSQL
 * through `pg` in a worker thread, see postgres.ts).
 *
 * Why synchronous, on PostgreSQL too: the code relies on "an event and its
 * projection in one transaction" and on a transaction that nothing else
 * interleaves with (JavaScript runs it to its end before any other callback).
 * An async contract would have meant rewriting some 300 call sites and
 * re-proving each of those invariants. The price is paid on PostgreSQL only:
 * the main thread blocks for one round-trip to the server per statement.
 *
 * Invariants every adapter keeps:
 * - `transaction(fn)` is all or nothing, and write transactions are
 *   serialised (SQLite's single writer; on PostgreSQL an advisory lock taken
 *   at BEGIN, so several servers on one database queue up the same way).
 *   Nested calls join the outer transaction through a savepoint.
 * - Every call is bounded in time (SQLite's busy timeout, PostgreSQL's
 *   statement and connect timeouts): a stuck database is an error, not a hang.
 * - Integers come back as JavaScript numbers, blobs as Buffers.
 *
 * SQL given to `prepare` and `exec` is written in the common dialect both
 * engines accept: `?` placeholders (never a `?` inside a string literal),
 * `ON CONFLICT … DO NOTHING / DO UPDATE`, `RETURNING` rather than a last
 * insert id, double-quoted aliases where the case matters, and the helpers
 * below where no common form exists.
 */

/** A value a statement binds or returns. */
export type SqlValue = string | number | bigint | Buffer | null;

/** What `run` reports: how many rows the statement inserted, updated or deleted. */
export interface RunResult {
  changes: number;
}

/** A statement, prepared once per SQL text and run whole (never iterated). */
export interface Statement {
  /** The first row, or undefined when there is none. */
  get(...params: unknown[]): unknown;
  /** Every row. */
  all(...params: unknown[]): unknown[];
  /** Runs it for its effect. */
  run(...params: unknown[]): RunResult;
  /**
   * Runs it for its effect, when nothing in the transaction needs its answer
   * or its error at once. On PostgreSQL, inside a transaction, it goes with
   * the transaction's next statement that waits for an answer (at the latest
   * its COMMIT), in the same round trip: a failure then fails that statement,
   * and so the transaction. Elsewhere it is `run`.
   */
  send(...params: unknown[]): void;
}

export const Dialect = { Sqlite: 'sqlite', Postgres: 'postgres' } as const;
export type Dialect = (typeof Dialect)[keyof typeof Dialect];

/** A message from `notify`, received by every listener of its channel (on PostgreSQL: in every process on the database). */
export type NotificationListener = (payload: string) => void;

export interface SqlDatabase {
  readonly dialect: Dialect;
  /** Where the data is, for messages: the SQLite file, or the PostgreSQL URL with its password removed. */
  readonly location: string;
  prepare(sql: string): Statement;
  /** Runs one or more statements without parameters (schema changes). */
  exec(sql: string): void;
  /** Runs `fn` in a write transaction and returns its result; rolls back and rethrows when it throws. */
  transaction<T>(fn: () => T): T;

  /** SQL reading the JSON text at `path` (e.g. `$.strategy.type`) of a TEXT column holding JSON. */
  jsonText(column: string, path: string): string;
  /** Same, as an integer (null when absent). */
  jsonInteger(column: string, path: string): string;

  /** The number of migrations applied (SQLite: user_version; PostgreSQL: the schema_version table). */
  schemaVersion(): number;
  setSchemaVersion(version: number): void;

  /** Rows inserted, updated or deleted through this connection since it opened (a metric). */
  rowsWritten(): number;
  /**
   * Statements run through this connection since it opened, transaction
   * control included (a metric). On PostgreSQL it counts round trips, during
   * each of which the server's thread waits (statements that travel together,
   * see `send`, count once), so this counts what a query pattern costs there
   * (an N+1 read shows as N statements per request).
   */
  statementsRun(): number;
  /**
   * Makes the secrets deleted or overwritten from now on unrecoverable from
   * the database's files where the engine allows it (SQLite: secure_delete,
   * then the WAL written back and emptied by `flushDeleted`). PostgreSQL keeps
   * dead row versions until VACUUM: nothing to do here, said in the README.
   */
  eraseDeleted(): void;
  flushDeleted(): void;

  /** Sends `payload` to every listener of `channel`; inside a transaction, only once it commits. */
  notify(channel: string, payload: string): void;
  /** Calls `listener` (asynchronously) for each notification on `channel`; returns the way to stop. */
  listen(channel: string, listener: NotificationListener): () => void;

  close(): void;
}
