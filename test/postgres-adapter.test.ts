import { afterAll, beforeAll, expect } from 'vitest';
import { PostgresDatabase, type PostgresOptions } from '../src/store/sql/postgres.ts';
import { loadLibpq, type PostgresLink } from '../src/store/sql/postgres-libpq.ts';
import { IN_CI } from './support/tools.ts';
import { freshPostgresDatabase, requirePostgres } from './support/postgres.ts';

/**
 * The synchronous PostgreSQL adapter (src/store/sql/postgres.ts) against a
 * real server: each statement gets its own answer, also after a wake-up
 * that was not its reply's and after a statement it gave up on. Before
 * replies carried ids, a stale wake-up made a statement fail at once with
 * "did not answer", and the late reply was then taken by the next statement
 * and every later one took its predecessor's (under bench:scale with 10
 * deployments at once: a token check read another query's rows, a 401).
 * Each link (postgres-libpq.ts) runs the same tests, but for what bounds a
 * statement that does not answer: the worker gives up on it at the answer
 * timeout, libpq leaves it to PostgreSQL's statement_timeout.
 */
const postgres = requirePostgres();

/** The libpq binding is an optional dependency: here it must be built, or the default link goes untested. */
const libpq = loadLibpq();
const links: PostgresLink[] = libpq.construct || IN_CI ? ['libpq', 'worker'] : ['worker'];
if (!libpq.construct && !IN_CI) console.warn(`SKIPPED: the PostgreSQL adapter's tests through libpq: ${libpq.why}`);

for (const link of links) postgres.describe(`the PostgreSQL adapter, statements through ${link}`, () => {
  let database: ReturnType<typeof freshPostgresDatabase>;
  beforeAll(() => {
    database = freshPostgresDatabase();
  });
  afterAll(() => database?.drop());
  // Under CI=true a binding that did not build fails here, not by falling back to the worker.
  const open = (options: PostgresOptions = {}) => new PostgresDatabase(database.url, { link, ...options });

  postgres.it('runs its statements through the link asked for', () => {
    const db = open();
    try {
      expect(db.link).toBe(link);
    } finally {
      db.close();
    }
  });

  postgres.it('answers each of many statements in a row with its own rows', () => {
    const db = open();
    try {
      const statement = db.prepare('SELECT CAST(? AS integer) AS n');
      // Quick statements, one after another, are where a wake-up from the previous reply lands during the next wait.
      for (let n = 0; n < 20_000; n++) expect((statement.get(n) as { n: number }).n).toBe(n);
    } finally {
      db.close();
    }
  }, 120_000);

  postgres.it('sends a transaction\'s BEGIN with its first statement and its sent statements with its COMMIT: two round trips, and none for a transaction that runs nothing', () => {
    const db = open();
    try {
      db.exec('CREATE TABLE travelled (n integer)');
      const before = db.statementsRun();
      db.transaction(() => {
        expect(db.prepare('SELECT count(*) AS n FROM travelled').get()).toEqual({ n: 0 });
        db.prepare('INSERT INTO travelled (n) VALUES (?)').send(1);
        db.notify('cutover_travelled', '1');
      });
      expect(db.statementsRun() - before).toBe(2);
      db.transaction(() => undefined);
      expect(db.statementsRun() - before).toBe(2);
      expect(db.prepare('SELECT n FROM travelled').all()).toEqual([{ n: 1 }]);
      expect(db.rowsWritten()).toBe(1);
    } finally {
      db.close();
    }
  });

  postgres.it('commits without waiting for the WAL flush by default (grouped commits, as on SQLite), and with the server\'s own setting when every commit must be flushed', () => {
    const setting = (db: PostgresDatabase) => db.prepare("SELECT setting, reset_val FROM pg_settings WHERE name = 'synchronous_commit'").get() as { setting: string; reset_val: string };
    const grouped = open();
    const each = open({ commits: 'each' });
    try {
      expect(setting(grouped).setting).toBe('off');
      const server = setting(each);
      expect(server.setting).toBe(server.reset_val);
      expect(server.setting).not.toBe('off');
    } finally {
      grouped.close();
      each.close();
    }
  });

  if (link === 'worker') postgres.it('gives up on a statement that does not answer in time, and the next statements get their own answers', () => {
    const db = open({ answerTimeoutMs: 1000 });
    try {
      expect(() => db.prepare('SELECT pg_sleep(3) AS slept').get()).toThrow(/did not answer a statement within 1000 ms; cutover gave up on it/);
      expect(db.prepare('SELECT 42 AS n').get()).toEqual({ n: 42 });
      // Past the abandoned statement's own end: its late reply, had it come, is not taken as this one's.
      const until = Date.now() + 3000;
      while (Date.now() < until) expect(db.prepare('SELECT CAST(? AS integer) AS n').get(7)).toEqual({ n: 7 });
    } finally {
      db.close();
    }
  }, 60_000);

  if (link === 'worker') postgres.it('commits nothing of a transaction one of whose statements was given up on, and runs nothing more in it', () => {
    const db = open({ answerTimeoutMs: 1000 });
    try {
      db.exec('CREATE TABLE abandoned (n integer)');
      const insert = db.prepare('INSERT INTO abandoned (n) VALUES (?)');
      let after: unknown;
      expect(() =>
        db.transaction(() => {
          insert.run(1);
          try {
            db.prepare('SELECT pg_sleep(3) AS slept').get();
          } catch {
            // Caught, as code that tolerates a failed statement in a transaction would: the next one must still fail.
          }
          try {
            insert.run(2);
          } catch (error) {
            after = error;
            throw error;
          }
        }),
      ).toThrow(/was given up on or lost its connection, so the transaction was rolled back/);
      expect(String(after)).toMatch(/nothing more runs in it/);
      // The connection was closed: PostgreSQL rolled the transaction back once the sleep ended.
      const until = Date.now() + 10_000;
      while (Date.now() < until && (db.prepare("SELECT count(*) AS busy FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()").get() as { busy: number }).busy > 0) {
        // waits for the abandoned backend to finish and go
      }
      expect(db.prepare('SELECT count(*) AS n FROM abandoned').get()).toEqual({ n: 0 });
      insert.run(3);
      expect(db.prepare('SELECT n FROM abandoned').all()).toEqual([{ n: 3 }]);
    } finally {
      db.close();
    }
  }, 60_000);

  if (link === 'libpq') postgres.it('ends a statement that runs past statement_timeout, and the next statements get their own answers', () => {
    const db = open({ statementTimeoutMs: 1000 });
    try {
      expect(() => db.prepare('SELECT pg_sleep(3) AS slept').get()).toThrow(/canceling statement due to statement timeout \(SQLSTATE 57014\)/);
      expect(db.prepare('SELECT CAST(? AS integer) AS n').get(7)).toEqual({ n: 7 });
    } finally {
      db.close();
    }
  }, 60_000);

  postgres.it('connects again after its connection was cut, and runs nothing more of a transaction the cut took', () => {
    const db = open();
    const admin = open();
    try {
      db.exec('CREATE TABLE cut (n integer)');
      const cut = () => admin.prepare('SELECT pg_terminate_backend(?) AS ended').get((db.prepare('SELECT pg_backend_pid() AS pid').get() as { pid: number }).pid);
      cut();
      // libpq learns of the cut from this statement; pg, in the worker, may have learnt of it already and connected again.
      try {
        expect(db.prepare('SELECT 1 AS n').get()).toEqual({ n: 1 });
      } catch (error) {
        expect(String(error)).toMatch(/could not reach PostgreSQL/);
      }
      expect(db.prepare('SELECT 2 AS n').get()).toEqual({ n: 2 });
      const insert = db.prepare('INSERT INTO cut (n) VALUES (?)');
      let after: unknown;
      expect(() =>
        db.transaction(() => {
          insert.run(1);
          cut();
          try {
            insert.run(2);
          } catch {
            // Tolerated, as code may: the next statement must still not run outside the transaction.
          }
          try {
            insert.run(3);
          } catch (error) {
            after = error;
            throw error;
          }
        }),
      ).toThrow(/lost its connection, so the transaction was rolled back/);
      expect(String(after)).toMatch(/nothing more runs in it/);
      expect(db.prepare('SELECT n FROM cut').all()).toEqual([]);
    } finally {
      db.close();
      admin.close();
    }
  });
});
