import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cluster.ts';

/**
 * `cutover backup` and `restore` copy SQLite files. With a PostgreSQL store
 * (given with --store, or `store:` in the config file) they say so and name
 * pg_dump / pg_restore with the store's URL, its password hidden, instead
 * of "there is no store". No PostgreSQL is needed: nothing connects.
 */
describe('cutover backup and restore with a PostgreSQL store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutover-backup-pg-'));
  const url = 'postgres://cutover:s3cret@127.0.0.1:5432/cutover';
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('backup --store postgres://… names pg_dump, and hides the password', async () => {
    const result = await runCli(['backup', join(dataDir, 'copy.db'), '--store', url], { CUTOVER_DATA_DIR: dataDir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('the store is PostgreSQL (postgres://cutover:***@127.0.0.1:5432/cutover)');
    expect(result.stderr).toContain('pg_dump --format=custom');
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toContain('no store to back up');
  });

  it('restore with `store:` in the config file names pg_restore', async () => {
    writeFileSync(join(dataDir, 'config.yaml'), `store: ${url}\n`);
    const result = await runCli(['restore', join(dataDir, 'copy.db')], { CUTOVER_DATA_DIR: dataDir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('the store is PostgreSQL');
    expect(result.stderr).toContain('pg_restore --clean');
    expect(result.stderr).not.toContain('s3cret');
  });
});
