import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, runCli } from './support/cluster.ts';

/**
 * Secrets at rest (issue 9, finding 10), read the way an attacker with a copy
 * of the data dir would: the raw SQLite file (and its WAL) holds no HMAC
 * signing secret, an older store's plaintext secrets are sealed at the next
 * start, and the age key ring can live outside the data dir (--key-dir).
 */
describe('secrets at rest', () => {
  const cluster = new Cluster();
  const outside = mkdtempSync(join(tmpdir(), 'cutover-keys-'));
  const keyFile = join(outside, 'laptop.secret');

  const rawStore = () => Buffer.concat(['cutover.db', 'cutover.db-wal'].map((name) => join(cluster.dataDir, name)).filter((file) => existsSync(file)).map((file) => readFileSync(file)));
  const holds = (raw: Buffer, secret: Buffer) => raw.includes(secret) || raw.includes(Buffer.from(secret.toString('base64')));
  const signed = (keyid: string, file: string) => runCli(['user', 'list', '-o', 'json'], { CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: '', CUTOVER_DATA_DIR: '/nonexistent', CUTOVER_KEY_ID: keyid, CUTOVER_KEY_FILE: file });

  beforeAll(async () => {
    await cluster.start();
  });
  afterAll(async () => {
    await cluster.destroy();
    rmSync(outside, { recursive: true, force: true });
  });

  it('keeps a new HMAC secret sealed in the store, and still verifies signatures made with it', async () => {
    const added = await cluster.cli('key', 'add', 'admin', '--alg', 'hmac-sha256', '--keyid', 'laptop', '--out', keyFile);
    expect(added.code, added.stderr).toBe(0);
    const secret = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect((await signed('laptop', keyFile)).code).toBe(0);
    expect(holds(rawStore(), secret)).toBe(false);
  });

  it('seals the plaintext secrets an older release left in the store at the next start', async () => {
    await cluster.stopServer();
    const old = randomBytes(32);
    const db = new Database(join(cluster.dataDir, 'cutover.db'));
    db.prepare("INSERT INTO signing_keys (keyid, username, alg, public_key, secret_plaintext, created_at) VALUES ('old-ci', 'admin', 'hmac-sha256', NULL, ?, ?)").run(old, Date.now());
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    expect(holds(rawStore(), old)).toBe(true);

    await cluster.start();
    expect(holds(rawStore(), old)).toBe(false);
    const oldFile = join(outside, 'old-ci.secret');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(oldFile, `${old.toString('base64')}\n`, { mode: 0o600 });
    expect((await signed('old-ci', oldFile)).code).toBe(0);
    expect((await signed('laptop', keyFile)).code).toBe(0);
  });

  it('opens everything with the key ring moved outside the data dir (--key-dir)', async () => {
    await cluster.stopServer();
    const ring = join(outside, 'ring');
    renameSync(join(cluster.dataDir, 'keys'), ring);
    cluster.serverArgs = ['--key-dir', ring];
    await cluster.start();
    expect(existsSync(join(cluster.dataDir, 'keys'))).toBe(false);
    expect((await signed('laptop', keyFile)).code).toBe(0);
    expect((await signed('old-ci', join(outside, 'old-ci.secret'))).code).toBe(0);
  });
});
