import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommitMode } from './group-commit.ts';
import { SqliteDatabase } from './sqlite.ts';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/**
 * A writer process that commits row after row and prints each number once
 * its commit returned, until it is SIGKILLed; then what the store holds.
 * (A power loss cannot be made here: what grouped commits lose to one is
 * argued in group-commit.ts, not tested.)
 */
async function killWhileCommitting(commits: CommitMode): Promise<{ acknowledged: number; stored: number }> {
  dir = mkdtempSync(join(tmpdir(), 'cutover-group-commit-'));
  const file = join(dir, 'cutover.db');
  const writer = join(dir, 'writer.ts');
  writeFileSync(writer, [
    `import { SqliteDatabase } from ${JSON.stringify(fileURLToPath(new URL('sqlite.ts', import.meta.url)))};`,
    `const db = new SqliteDatabase(${JSON.stringify(file)}, ${JSON.stringify(commits)});`,
    `db.exec('CREATE TABLE acknowledged (n INTEGER PRIMARY KEY, data TEXT)');`,
    // A pipe's writes are synchronous on Linux: each number has reached the parent before the next commit starts.
    `for (let n = 1; ; n++) { db.prepare('INSERT INTO acknowledged (n, data) VALUES (?, ?)').run(n, 'x'.repeat(500)); process.stdout.write(n + '\\n'); }`,
  ].join('\n'));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, writer], { stdio: ['ignore', 'pipe', 'pipe'] });
  let acknowledged = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        acknowledged = Math.max(acknowledged, ...chunk.toString().trim().split('\n').map(Number));
        if (acknowledged >= 300) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the writer exited (${code}) after ${acknowledged} commits: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await exited;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const db = new SqliteDatabase(file);
  try {
    return { acknowledged, stored: (db.prepare('SELECT MAX(n) AS n FROM acknowledged').get() as { n: number }).n };
  } finally {
    db.close();
  }
}

describe('commits and the disk (real SQLite, real processes)', () => {
  it('grouped commits: every commit that returned survives a SIGKILL of the writer', async () => {
    const { acknowledged, stored } = await killWhileCommitting('grouped');
    expect(stored).toBeGreaterThanOrEqual(acknowledged);
  }, 60_000);

  it('an fsync in every commit (--sync-every-commit): the same', async () => {
    const { acknowledged, stored } = await killWhileCommitting('each');
    expect(stored).toBeGreaterThanOrEqual(acknowledged);
  }, 60_000);

  it('grouped commits leave the fsync out of the commit; each puts it in; closing stops the flushes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cutover-group-commit-'));
    const grouped = new SqliteDatabase(join(dir, 'grouped.db'));
    const each = new SqliteDatabase(join(dir, 'each.db'), 'each');
    // SQLite's codes: 1 NORMAL (no sync in a WAL commit), 2 FULL.
    expect(grouped.handle.pragma('synchronous', { simple: true })).toBe(1);
    expect(each.handle.pragma('synchronous', { simple: true })).toBe(2);
    grouped.exec('CREATE TABLE t (n INTEGER)');
    grouped.prepare('INSERT INTO t (n) VALUES (1)').run();
    grouped.close();
    each.close();
    // A flush timer left running would query the closed database and throw here.
    await sleep(200);
  });
});
