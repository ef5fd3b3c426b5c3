import { MIGRATIONS } from './migrations.ts';
import { POSTGRES_MIGRATIONS } from './migrations-postgres.ts';
import { PostgresDatabase, SqliteDatabase, type CommitMode, type SqlDatabase } from './sql/index.ts';

/** The database every store class and SQL site uses (the contract is in sql/port.ts). */
export type Db = SqlDatabase;

/** True when `location` names a PostgreSQL database (postgres://… or postgresql://…) rather than an SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Opens the database at `location` (an SQLite file, or a PostgreSQL URL) and
 * brings its schema up to date; `commits`: how its commits reach the disk
 * (sql/group-commit.ts; on PostgreSQL, grouped is synchronous_commit = off).
 */
export function openDatabase(location: string, commits: CommitMode = 'grouped'): Db {
  if (isPostgresUrl(location)) {
    const db = new PostgresDatabase(location, { commits });
    try {
      migrate(db, POSTGRES_MIGRATIONS);
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  }
  const db = new SqliteDatabase(location, commits);
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
      if (migrations[version]!.trim() !== '') db.exec(migrations[version]!);
      db.setSchemaVersion(version + 1);
    });
  }
}
