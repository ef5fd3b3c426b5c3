import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';

/**
 * What the data dir shows of earlier state, apart from the database: the
 * folders the server writes only for services it recorded. Tokens and keys
 * are not evidence (a server that never deployed has them too).
 */
export function earlierState(dataDir: string): string[] {
  const evidence: string[] = [];
  for (const folder of ['routers', 'revisions']) {
    const dir = join(dataDir, folder);
    if (!existsSync(dir)) continue;
    const entries = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    if (entries.length) evidence.push(`${folder}/ (${entries.map((entry) => entry.name).slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''})`);
  }
  return evidence;
}

/**
 * Checks the store before the server opens it, so a lost or damaged store is
 * never mistaken for a new one: a new, empty store over a data dir that held
 * services would stop their processes as orphans and leave their routers
 * holding the ports. Throws StoreDamaged naming the file and what to do when
 * - the database fails SQLite's `PRAGMA quick_check` or is not a database;
 * - it is missing, empty (0 bytes) or records no service, while `evidence`
 *   (folders of routers and revisions, processes still running) shows there
 *   was earlier state.
 */
export function checkStoreAtStart(file: string, dataDir: string, runningProcesses: number): void {
  const evidence = earlierState(dataDir);
  if (runningProcesses > 0) evidence.push(`${runningProcesses} process(es) it started still running`);
  const size = existsSync(file) ? statSync(file).size : -1;
  const restore = `restore a backup with \`cutover restore BACKUP --data-dir ${dataDir}\` (made by \`cutover backup\`)`;
  if (size > 0) {
    const problem = integrityProblem(file);
    if (problem !== null) {
      throw new CutoverError(ErrorCode.StoreDamaged, `the store ${file} is damaged (${problem}); the server did not start and left every instance and router running. Stop nothing; ${restore}, then start the server again`, {
        context: { file },
      });
    }
    if (evidence.length === 0 || recordsServices(file)) return;
  } else if (evidence.length === 0) {
    return;
  }
  const what = size < 0 ? 'is missing' : size === 0 ? 'is empty (0 bytes)' : 'records no service';
  throw new CutoverError(
    ErrorCode.StoreDamaged,
    `the store ${file} ${what}, but the data dir shows earlier state: ${evidence.join('; ')}. The server did not start, so nothing was stopped. ${restore[0]!.toUpperCase()}${restore.slice(1)}; or, to start over with nothing, stop those processes and move ${join(dataDir, 'routers')} and ${join(dataDir, 'revisions')} aside`,
    { context: { file } },
  );
}

/** SQLite's own check of every page and index; null when the file is a sound database. */
export function integrityProblem(file: string): string | null {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const lines = rows.map((row) => row.quick_check);
    return lines.length === 1 && lines[0] === 'ok' ? null : `quick_check: ${lines.slice(0, 3).join('; ')}`;
  } catch (error) {
    return messageOf(error);
  } finally {
    db?.close();
  }
}

/** Whether the database has ever recorded a service (deleted ones included). */
function recordsServices(file: string): boolean {
  const db = new Database(file, { fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'services'").get();
    return table !== undefined && db.prepare('SELECT 1 FROM services LIMIT 1').get() !== undefined;
  } finally {
    db.close();
  }
}
