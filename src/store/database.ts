import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

/**
 * Opens the SQLite database and brings its schema up to date. WAL with
 * synchronous=FULL: a transaction that returned is on disk, so a SIGKILL of
 * the server at any instant loses nothing it acknowledged.
 */
export function openDatabase(file: string): Db {
  // The store holds token hashes and signing-key secrets: readable by the server's user only.
  const fresh = !existsSync(file);
  if (fresh) closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
  cachePreparedStatements(db);
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return db;
}

/** Distinct SQL texts kept compiled; past it the cache starts again (dynamic SQL could otherwise grow it without end). */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Every store method prepares its SQL where it runs it; compiling it each
 * time was a sixth of the server's CPU under bench:scale. Prepared once per
 * text instead. Safe because statements are only run whole (get, all, run:
 * synchronous), never iterated, and nothing switches their modes (pluck, raw).
 */
function cachePreparedStatements(db: Db): void {
  const cache = new Map<string, Database.Statement>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as Db['prepare'];
}
