import { MIGRATIONS } from './migrations.ts';
import { SqliteDatabase, type CommitMode, type SqlDatabase } from './sql/index.ts';

/** The database every store class and SQL site uses (the contract is in sql/port.ts). */
export type Db = SqlDatabase;

/** Opens the SQLite database in `file` and brings its schema up to date; `commits`: how they reach the disk (sql/group-commit.ts). */
export function openDatabase(file: string, commits: CommitMode = 'grouped'): Db {
  const db = new SqliteDatabase(file, commits);
  migrate(db, MIGRATIONS);
  return db;
}

/**
 * Applies the migrations the database has not had yet, each in its own
 * transaction with the version it brings. The version is read again inside
 * the transaction (which holds the write lock): two servers starting at once
 * on one database apply each migration once.
 */
export function migrate(db: Db, migrations: readonly string[]): void {
  for (let version = db.schemaVersion(); version < migrations.length; version++) {
    db.transaction(() => {
      if (db.schemaVersion() > version) return;
      db.exec(migrations[version]!);
      db.setSchemaVersion(version + 1);
    });
  }
}
