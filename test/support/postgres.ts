import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { IN_CI, type ToolGate } from './tools.ts';

/**
 * PostgreSQL for the tests: the server at CUTOVER_TEST_POSTGRES (default
 * 127.0.0.1:5432, user postgres, trust authentication, database `test`, as
 * on the development and CI machines). Each test makes its own database
 * with a random name and drops it at the end, so runs never collide.
 */
export const POSTGRES_ADMIN_URL = process.env.CUTOVER_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs SQL on the admin database in a child node (pg is asynchronous; the gates below are decided synchronously). */
function adminSql(sql: string): { ok: boolean; message: string } {
  const script = `const pg = require('pg'); const c = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 5000 });
    c.connect().then(() => c.query(process.argv[2])).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });`;
  const run = spawnSync(process.execPath, ['-e', script, POSTGRES_ADMIN_URL, sql], { encoding: 'utf8', timeout: 20_000, cwd: import.meta.dirname });
  return { ok: run.status === 0, message: (run.stderr || run.error?.message || '').trim() };
}

let reachable: { ok: boolean; message: string } | undefined;

/**
 * Gates tests on PostgreSQL, as requireTool does on programs: skipped with
 * a message when it is unreachable on a developer's machine, failed under CI=true.
 */
export function requirePostgres(): ToolGate {
  reachable ??= adminSql('SELECT 1');
  if (reachable.ok) return { available: true, describe, it };
  const why = `PostgreSQL at ${POSTGRES_ADMIN_URL}, which did not answer (${reachable.message}); start it, or point CUTOVER_TEST_POSTGRES at one`;
  if (IN_CI) {
    const fail = () => {
      throw new Error(`this test needs ${why}. Under CI=true an unreachable PostgreSQL fails the tests that need it instead of skipping them.`);
    };
    return { available: false, describe: (name) => describe(name, () => it('has PostgreSQL', fail)), it: (name) => it(name, fail) };
  }
  console.warn(`SKIPPED: the tests here that need ${why}`);
  return { available: false, describe: (name, body) => describe.skip(name, body), it: (name, body, timeout) => it.skip(name, body, timeout) };
}

/** A new, empty database; `drop` removes it (disconnecting whoever still uses it). */
export function freshPostgresDatabase(): { url: string; drop(): void } {
  const name = `cutover_test_${randomBytes(6).toString('hex')}`;
  const created = adminSql(`CREATE DATABASE ${name}`);
  if (!created.ok) throw new Error(`could not create database ${name}: ${created.message}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => void adminSql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Rows of one query on the database at `url` (to check from outside what a server wrote there). */
export async function queryPostgres<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
