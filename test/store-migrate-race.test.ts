import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/core/entry.ts';
import { freshPostgresDatabase, requirePostgres } from './support/postgres.ts';

const postgres = requirePostgres();
const DATABASE_MODULE = join(PROJECT_ROOT, 'dist/store/database.js');
const scripts = mkdtempSync(join(tmpdir(), 'cutover-migrate-race-script-'));
// A file, not `node -e`: the PostgreSQL store's worker thread inherits the
// process's flags, and `--input-type=module` would make its script a module.
const OPENER = join(scripts, 'open.mjs');
writeFileSync(
  OPENER,
  `const { openDatabase } = await import(process.argv[2]);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(process.argv[4]) - Date.now())));
  const db = openDatabase(process.argv[3]);
  console.log('version', db.schemaVersion());
  db.close();
`,
);
afterAll(() => rmSync(scripts, { recursive: true, force: true }));

/**
 * Opens the store at `location` from `count` processes at the same instant
 * (each waits for one wall-clock moment, then opens): what replicas started
 * together on a fresh store do. Each prints the schema version it found.
 */
function openAtOnce(location: string, count: number): Promise<{ code: number | null; output: string }[]> {
  const at = Date.now() + 1500;
  return Promise.all(
    Array.from({ length: count }, () => new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [OPENER, DATABASE_MODULE, location, String(at)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => resolve({ code, output }));
    })),
  );
}

/** Every opener succeeded and found the same, complete schema. */
function expectOneSchema(opened: { code: number | null; output: string }[]): void {
  const outputs = opened.map((o) => o.output.trim());
  for (const o of opened) expect(o.code, outputs.join('\n---\n')).toBe(0);
  expect(new Set(outputs).size, outputs.join('\n---\n')).toBe(1);
}

const ROUNDS = 4;

describe('three processes opening a fresh SQLite store at the same instant', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-migrate-race-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate it once between them, and all open it', async () => {
    for (let round = 0; round < ROUNDS; round++) expectOneSchema(await openAtOnce(join(dir, `cutover-${round}.db`), 3));
  }, 120_000);
});

postgres.describe('three processes opening a fresh PostgreSQL database at the same instant', () => {
  const databases: ReturnType<typeof freshPostgresDatabase>[] = [];
  afterAll(() => {
    for (const database of databases) database.drop();
  });

  postgres.it('migrate it once between them, and all open it', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const database = freshPostgresDatabase();
      databases.push(database);
      expectOneSchema(await openAtOnce(database.url, 3));
    }
  }, 120_000);
});
