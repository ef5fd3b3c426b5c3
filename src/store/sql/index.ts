export { Dialect } from './port.ts';
export type { SqlDatabase, Statement, RunResult, SqlValue, NotificationListener } from './port.ts';
export { SqliteDatabase } from './sqlite.ts';
export { GROUP_COMMIT_MS, type CommitMode } from './group-commit.ts';
export { PostgresDatabase, redactUrl, LISTENER_STATE_CHANNEL } from './postgres.ts';
export { loadLibpq, type PostgresLink } from './postgres-libpq.ts';
