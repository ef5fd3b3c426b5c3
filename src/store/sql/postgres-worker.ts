import type { MessagePort } from 'node:worker_threads';
import type Pg from 'pg';
import type { WorkerAnswer, WorkerEvent, WorkerRequest, WorkerSetup } from './postgres-protocol.ts';

/**
 * The PostgreSQL side of the synchronous port (postgres.ts): runs each
 * request of the main thread on one connection, posts the reply with the
 * request's id, stores that id in the shared word, then wakes the main
 * thread (blocked in Atomics.wait until the word changes). A second
 * connection LISTENs and posts notifications as ordinary messages.
 *
 * It runs from its source text (postgres.ts passes `String(pgWorker)` to an
 * eval worker), so the same code runs from dist/ and from TypeScript under
 * tsx or vitest: it must use nothing but its arguments and globals.
 */
export function pgWorker(pg: typeof Pg, setup: WorkerSetup, parentPort: MessagePort | null): void {
  const signal = new Int32Array(setup.signal);
  const port = setup.port;

  // Integers as numbers: bigint columns (ids, times in ms) stay far below 2^53; counts and sums too.
  pg.types.setTypeParser(pg.types.builtins.INT8, Number);
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, Number);

  const config = {
    connectionString: setup.url,
    connectionTimeoutMillis: setup.connectTimeoutMs,
    statement_timeout: setup.statementTimeoutMs,
    lock_timeout: setup.statementTimeoutMs,
    idle_in_transaction_session_timeout: setup.statementTimeoutMs * 6,
    application_name: 'cutover',
  };

  let client: Pg.Client | null = null;

  /** The statement connection, opened again after it was lost. */
  async function connection(): Promise<Pg.Client> {
    if (client) return client;
    const fresh = new pg.Client(config);
    fresh.on('error', () => {
      if (client === fresh) client = null;
    });
    try {
      await fresh.connect();
      // Grouped commits (the CommitMode 'grouped', sql/group-commit.ts): a COMMIT returns once it is in
      // PostgreSQL's WAL buffers, and its WAL writer flushes them within 3 × wal_writer_delay (0.6 s by default).
      if (setup.asynchronousCommit) await fresh.query('SET synchronous_commit = off');
    } catch (error) {
      void fresh.end().catch(() => undefined);
      throw error;
    }
    client = fresh;
    return fresh;
  }

  /** Buffers reach the worker as Uint8Arrays (structured clone): bytea again. */
  function params(values: unknown[]): unknown[] {
    return values.map((value) => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value));
  }

  async function handle(request: WorkerRequest): Promise<WorkerAnswer> {
    if (request.kind === 'listen') return listener.add(request.channel);
    if (request.kind === 'unlisten') return listener.remove(request.channel);
    if (request.kind === 'reset') {
      reset();
      return { ok: true, rows: [], rowCount: 0, command: 'RESET' };
    }
    if (request.kind === 'close') {
      await Promise.allSettled([client?.end(), listener.close()]);
      client = null;
      return { ok: true, rows: [], rowCount: 0, command: 'CLOSE' };
    }
    // The connection this transaction ran on was lost since its last statement: so was the transaction.
    if (request.inTransaction && !client) return { ok: false, message: 'the connection to PostgreSQL was lost in the middle of a transaction', code: undefined, connection: true };
    const db = await connection();
    let sentWritten = 0;
    if (request.first) {
      if (request.first.begin !== undefined) await begin(db, request.first.begin);
      for (const send of request.first.sends) {
        const sent = await db.query({ text: send.sql, values: params(send.params) });
        if (sent.command === 'INSERT' || sent.command === 'UPDATE' || sent.command === 'DELETE') sentWritten += sent.rowCount ?? 0;
      }
    }
    if (request.kind === 'exec') {
      await db.query(request.sql);
      return { ok: true, rows: [], rowCount: 0, command: 'EXEC', sentWritten };
    }
    const result = await db.query({ text: request.sql, values: params(request.params) });
    return { ok: true, rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? 0, command: result.command, sentWritten };
  }

  /** BEGIN and the write lock as one simple query: one trip to the database, not two (the key is a number the main thread chose). */
  async function begin(db: Pg.Client, lockKey: number): Promise<void> {
    await db.query(`BEGIN; SELECT pg_advisory_xact_lock(${Math.trunc(Number(lockKey))})`);
  }

  function failure(error: unknown): WorkerAnswer {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    // No SQLSTATE: the connection failed or was lost (refused, timed out, reset), not the statement.
    const connection = typeof code !== 'string' || /^(08|57P)/.test(code);
    if (connection) {
      const lost = client;
      client = null;
      void lost?.end().catch(() => undefined);
    }
    return { ok: false, message, code: typeof code === 'string' ? code : undefined, connection };
  }

  /** Abandoned by the main thread: closing the connection makes PostgreSQL roll back what the request began; queued requests fail and their late replies are dropped. */
  function reset(): void {
    const abandoned = client;
    client = null;
    void abandoned?.end().catch(() => undefined);
  }

  port.on('message', (request: WorkerRequest) => {
    // At once, not after the statements queued on the connection: closing it is what stops them.
    if (request.kind === 'reset') return reset();
    handle(request)
      .catch(failure)
      .then((answer) => {
        // The reply is on the port before the word changes: a main thread that sees the new id finds the reply there.
        try {
          port.postMessage({ id: request.id, ...answer });
        } catch (error) {
          // A value structured clone cannot copy: the statement fails, with the reason, rather than never being answered.
          port.postMessage({ id: request.id, ok: false, message: `its answer could not be passed to the server's thread: ${String(error)}`, code: undefined, connection: false });
        }
        Atomics.store(signal, 0, request.id);
        Atomics.notify(signal, 0);
      })
      .catch(() => undefined);
  });

  /** The LISTEN connection: opened at the first listen, re-opened (and every channel listened again) when it is lost. */
  const listener = new (class {
    private readonly channels = new Set<string>();
    private client: Pg.Client | null = null;
    private opening: Promise<Pg.Client> | null = null;
    private closed = false;
    private retry: NodeJS.Timeout | undefined;

    async add(channel: string): Promise<WorkerAnswer> {
      this.channels.add(channel);
      const db = await this.open();
      await db.query(`LISTEN ${channel}`);
      return { ok: true, rows: [], rowCount: 0, command: 'LISTEN' };
    }

    async remove(channel: string): Promise<WorkerAnswer> {
      this.channels.delete(channel);
      if (this.client) await this.client.query(`UNLISTEN ${channel}`);
      return { ok: true, rows: [], rowCount: 0, command: 'UNLISTEN' };
    }

    async close(): Promise<void> {
      this.closed = true;
      clearTimeout(this.retry);
      await this.client?.end();
    }

    private open(): Promise<Pg.Client> {
      if (this.client) return Promise.resolve(this.client);
      this.opening ??= this.connect().finally(() => (this.opening = null));
      return this.opening;
    }

    private async connect(): Promise<Pg.Client> {
      const db = new pg.Client({ ...config, statement_timeout: 0 });
      db.on('notification', (message) => post({ kind: 'notification', channel: message.channel, payload: message.payload ?? '' }));
      db.on('error', (error) => this.lost(db, error));
      db.on('end', () => this.lost(db, new Error('the connection ended')));
      await db.connect();
      for (const channel of this.channels) await db.query(`LISTEN ${channel}`);
      this.client = db;
      return db;
    }

    private lost(db: Pg.Client, error: Error): void {
      if (this.client !== db || this.closed) return;
      this.client = null;
      post({ kind: 'listener', state: 'lost', message: error.message });
      const again = () => {
        if (this.closed) return;
        this.open().then(
          () => post({ kind: 'listener', state: 'back', message: '' }),
          () => (this.retry = setTimeout(again, 1000)),
        );
      };
      this.retry = setTimeout(again, 200);
    }
  })();

  function post(event: WorkerEvent): void {
    parentPort?.postMessage(event);
  }
}
