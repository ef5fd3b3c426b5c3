import { chmodSync, copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import { integrityProblem } from './integrity.ts';
import { isPostgresUrl } from './database.ts';
import { redactUrl } from './sql/index.ts';

/**
 * The error `cutover backup` and `restore` give for a PostgreSQL store
 * (null for anything else): they copy SQLite files; PostgreSQL has its own
 * tools, which this names with the store's URL (its password hidden).
 */
export function postgresStoreProblem(store: string, command: 'backup' | 'restore', dataDir: string): CutoverError | null {
  if (!isPostgresUrl(store)) return null;
  const url = redactUrl(store);
  const how =
    command === 'backup'
      ? `use pg_dump: \`pg_dump --format=custom --file FILE '${url}'\` (it is consistent while the servers run)`
      : `use pg_restore with the servers stopped: \`pg_restore --clean --if-exists --dbname '${url}' FILE\``;
  return new CutoverError(
    ErrorCode.InvalidRequest,
    `the store is PostgreSQL (${url}), not <data-dir>/cutover.db: cutover ${command} copies only SQLite stores; ${how}. Keep ${dataDir}/keys safe too: artifacts and secret values are encrypted to it`,
    { context: { store: url } },
  );
}

/**
 * `cutover backup`: an online, consistent copy of the store through
 * SQLite's backup API, safe while the server runs and writes (it copies
 * a snapshot, restarting when a write lands mid-copy). Written beside the
 * destination first and checked, so a half-written backup never replaces a
 * good one.
 */
export async function backupStore(file: string, destination: string): Promise<{ bytes: number }> {
  if (!existsSync(file) || statSync(file).size === 0) {
    throw new CutoverError(ErrorCode.NotFound, `there is no store to back up at ${file}; is --data-dir right? (A server started with --store postgres://… keeps its state in PostgreSQL: back that up with pg_dump)`, { context: { file } });
  }
  const partial = `${destination}.partial`;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new CutoverError(ErrorCode.StoreDamaged, `could not back up ${file}: ${messageOf(error)}; check the store with \`cutover server\` (it checks it at start)`, { context: { file }, cause: error });
  } finally {
    db.close();
  }
  chmodSync(partial, 0o600);
  const problem = integrityProblem(partial);
  if (problem !== null) {
    rmSync(partial, { force: true });
    throw new CutoverError(ErrorCode.StoreDamaged, `the store ${file} is damaged (${problem}), so its backup would be too; restore an earlier backup instead`, { context: { file } });
  }
  renameSync(partial, destination);
  return { bytes: statSync(destination).size };
}

/**
 * `cutover restore`: replaces the store with a backup, with the server
 * stopped. The backup is checked first; the store it replaces (and its WAL,
 * which must never be applied to another database) is kept beside it as
 * `cutover.db.replaced-<time>`.
 */
export function restoreStore(backup: string, file: string, serverPidFile: string): { replaced: string | null } {
  const running = runningServer(serverPidFile);
  if (running !== null) {
    throw new CutoverError(ErrorCode.Conflict, `a cutover server (pid ${running}) runs on this data dir; stop it (SIGTERM) before restoring, then start it again`, { context: { file } });
  }
  if (!existsSync(backup)) throw new CutoverError(ErrorCode.NotFound, `no backup at ${backup}`, { context: { file: backup } });
  const problem = integrityProblem(backup);
  if (problem !== null) throw new CutoverError(ErrorCode.StoreDamaged, `the backup ${backup} is damaged (${problem}); pick another backup`, { context: { file: backup } });
  if (!isCutoverStore(backup)) throw new CutoverError(ErrorCode.InvalidRequest, `${backup} is an SQLite database but not a cutover store (no services table); pick a file made by \`cutover backup\``, { context: { file: backup } });
  const staging = `${file}.restoring`;
  copyFileSync(backup, staging);
  chmodSync(staging, 0o600);
  let replaced: string | null = null;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (const suffix of ['', '-wal', '-shm']) {
    if (!existsSync(`${file}${suffix}`)) continue;
    const aside = `${file}.replaced-${stamp}${suffix}`;
    renameSync(`${file}${suffix}`, aside);
    if (suffix === '') replaced = aside;
  }
  renameSync(staging, file);
  return { replaced };
}

function isCutoverStore(file: string): boolean {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'services'").get() !== undefined;
  } finally {
    db.close();
  }
}

/** The pid the running server wrote at start, if that process still runs a cutover server. */
export function runningServer(pidFile: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('server') ? pid : null;
  } catch {
    return null;
  }
}

/** Written by the server at start (so restore can refuse while it runs), removed when it stops. */
export function writeServerPid(pidFile: string): void {
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
}
