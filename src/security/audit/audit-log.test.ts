import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.ts';
import type { Db } from '../../store/index.ts';
import { AuditLog } from './audit-log.ts';
import { GENESIS_HASH } from './entry.ts';
import { formatHead, parseHead } from './head.ts';
import { AUDIT_SCHEMA } from './schema.ts';

let dir: string;
let file: string;
let db: Db;
let clock: number;
let log: AuditLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-audit-'));
  file = join(dir, 'cutover.db');
  db = openDatabase(file);
  db.exec(AUDIT_SCHEMA);
  clock = Date.parse('2025-03-01T12:00:00Z');
  log = new AuditLog(db, { now: () => clock++ });
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AuditLog.append', () => {
  it('numbers the first entry 1, chains it to 64 zeros, and hashes its canonical JSON without the hash', () => {
    const entry = log.append({ actor: 'alice', action: 'deploy', target: 'service/web', outcome: 'allowed', status: 202, from: '10.0.0.7', details: { revision: 7 } });
    expect(entry).toMatchObject({ seq: 1, at: '2025-03-01T12:00:00.000Z', prevHash: GENESIS_HASH });
    const canonical =
      '{"action":"deploy","actor":"alice","at":"2025-03-01T12:00:00.000Z","details":{"revision":7},"from":"10.0.0.7","outcome":"allowed","prevHash":"' +
      GENESIS_HASH +
      '","seq":1,"status":202,"target":"service/web"}';
    expect(entry.hash).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('chains each entry to the hash of the one before', () => {
    const first = log.append({ actor: 'alice', action: 'deploy', target: 'service/web', outcome: 'allowed', from: '10.0.0.7' });
    const second = log.append({ actor: 'bob', action: 'approve', target: 'service/web', outcome: 'denied', status: 403, from: '10.0.0.8' });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
    expect(log.list()).toEqual([first, second]);
  });

  it('replaces the values of credential-named fields in details', () => {
    const entry = log.append({ actor: 'admin', action: 'user.token', target: 'user/alice', outcome: 'succeeded', from: '::1', details: { token: 'cut_abc', nested: { Password: 'p' }, keyid: 'k1' } });
    expect(entry.details).toEqual({ token: '[redacted]', nested: { Password: '[redacted]' }, keyid: 'k1' });
    expect(JSON.stringify(db.prepare('SELECT * FROM audit_log').all())).not.toContain('cut_abc');
  });

  it('keeps one chain when several processes append at once', async () => {
    const run = promisify(execFile);
    const worker = join(import.meta.dirname, '../../../test/support/audit-append-worker.ts');
    await Promise.all(['p1', 'p2', 'p3'].map((actor) => run(process.execPath, ['--import', 'tsx', worker, file, '40', actor])));
    expect(log.verify()).toEqual({ ok: true, entries: 120 });
    const actors = log.list({ limit: 1000 }).map((entry) => entry.actor);
    expect(new Set(actors)).toEqual(new Set(['p1', 'p2', 'p3']));
  }, 60_000);
});

describe('AuditLog.list', () => {
  beforeEach(() => {
    for (let i = 0; i < 5; i++) {
      log.append({ actor: i % 2 ? 'bob' : 'alice', action: 'deploy', target: i < 3 ? 'service/web' : 'service/api', outcome: 'allowed', from: '10.0.0.1' });
    }
  });

  it('pages oldest first with limit and afterSeq', () => {
    expect(log.list({ limit: 2 }).map((entry) => entry.seq)).toEqual([1, 2]);
    expect(log.list({ limit: 2, afterSeq: 2 }).map((entry) => entry.seq)).toEqual([3, 4]);
    expect(log.list({ afterSeq: 5 })).toEqual([]);
  });

  it('filters by actor and by target', () => {
    expect(log.list({ actor: 'bob' }).map((entry) => entry.seq)).toEqual([2, 4]);
    expect(log.list({ target: 'service/api' }).map((entry) => entry.seq)).toEqual([4, 5]);
    expect(log.list({ actor: 'alice', target: 'service/web' }).map((entry) => entry.seq)).toEqual([1, 3]);
  });
});

describe('AuditLog.head', () => {
  it('is entry 0 with the genesis hash for an empty log, then the last entry', () => {
    expect(log.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
    const entry = log.append({ actor: 'alice', action: 'deploy', target: 'service/web', outcome: 'allowed', from: '10.0.0.7' });
    expect(log.head()).toEqual({ seq: 1, hash: entry.hash });
  });

  it('prints as seq:hash and reads back, refusing anything else', () => {
    const head = { seq: 17, hash: 'ab'.repeat(32) };
    expect(parseHead(formatHead(head))).toEqual(head);
    expect(() => parseHead('17:xyz')).toThrow(/head: expected the form `seq:hash`/);
  });
});
