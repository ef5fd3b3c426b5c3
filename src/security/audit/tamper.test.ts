import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.ts';
import type { Db } from '../../store/index.ts';
import { AuditLog } from './audit-log.ts';
import { hashEntry } from './entry.ts';
import type { AuditEntry } from './entry.ts';
import { AUDIT_SCHEMA } from './schema.ts';

// Each test tampers with the SQLite rows directly, as someone with access to
// the database file would, and checks what verify says.

let dir: string;
let db: Db;
let log: AuditLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-tamper-'));
  db = openDatabase(join(dir, 'cutover.db'));
  db.exec(AUDIT_SCHEMA);
  let clock = Date.parse('2025-03-01T12:00:00Z');
  log = new AuditLog(db, { now: () => (clock += 1000) });
  for (let i = 1; i <= 20; i++) {
    log.append({ actor: i % 3 ? 'alice' : 'bob', action: 'deploy', target: `service/web`, outcome: 'succeeded', status: 202, from: '10.0.0.7', details: { revision: i } });
  }
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const sql = (text: string, ...params: unknown[]): void => {
  db.prepare(text).run(...params);
};
/** Renumbers entries from `from` on by `by`, through negative numbers so no two rows ever share a seq midway. */
const renumber = (from: number, by: number): void => {
  sql('UPDATE audit_log SET seq = -(seq + ?) WHERE seq >= ?', by, from);
  sql('UPDATE audit_log SET seq = -seq WHERE seq < 0');
};
const insert = (entry: AuditEntry): void =>
  sql(
    'INSERT INTO audit_log (seq, at, actor, action, target, outcome, status, remote, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.outcome, entry.status ?? null, entry.from, entry.details ? JSON.stringify(entry.details) : null, entry.prevHash, entry.hash,
  );
const entry = (seq: number): AuditEntry => log.list({ afterSeq: seq - 1, limit: 1 })[0]!;

describe('AuditLog.verify', () => {
  it('accepts an untouched log, and an empty one', () => {
    expect(log.verify()).toEqual({ ok: true, entries: 20 });
    sql('DELETE FROM audit_log');
    expect(log.verify()).toEqual({ ok: true, entries: 0 });
  });

  it('finds an entry whose content was changed', () => {
    sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 17");
    expect(log.verify()).toEqual({ ok: false, firstBadSeq: 17, problem: 'edited', message: 'entry 17 was edited: its hash does not match its content' });
  });

  it('finds an entry whose details are no longer JSON, or whose hash or prevHash was changed', () => {
    sql("UPDATE audit_log SET details = '{oops' WHERE seq = 5");
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 5, problem: 'edited' });
    sql('UPDATE audit_log SET details = NULL WHERE seq = 5');
    sql("UPDATE audit_log SET hash = ? WHERE seq = 3", 'f'.repeat(64));
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'edited' });
    sql('UPDATE audit_log SET prev_hash = ? WHERE seq = 2', 'e'.repeat(64));
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'edited' });
  });

  it('finds an entry that was changed and its hash recomputed, because the next one still links to the original', () => {
    const edited = { ...entry(17), outcome: 'denied' as const, status: 403 };
    sql("UPDATE audit_log SET outcome = 'denied', status = 403, hash = ? WHERE seq = 17", hashEntry(edited));
    expect(log.verify()).toEqual({
      ok: false,
      firstBadSeq: 17,
      problem: 'edited',
      message: 'entry 17 was edited: its hash was recomputed to match, but entry 18 still links to the original',
    });
  });

  it('finds a removed entry by the gap it leaves', () => {
    sql('DELETE FROM audit_log WHERE seq = 17');
    expect(log.verify()).toEqual({ ok: false, firstBadSeq: 17, problem: 'removed', message: 'entry 17 was removed: entry 18 comes right after entry 16' });
  });

  it('names the whole run of removed entries, from the first', () => {
    sql('DELETE FROM audit_log WHERE seq BETWEEN 3 AND 5');
    expect(log.verify()).toMatchObject({ firstBadSeq: 3, problem: 'removed', message: 'entries 3 to 5 were removed: entry 6 comes right after entry 2' });
    sql('DELETE FROM audit_log WHERE seq = 1');
    expect(log.verify()).toMatchObject({ firstBadSeq: 1, problem: 'removed', message: 'entry 1 was removed: entry 2 comes right after the start of the log' });
  });

  it('finds a removed entry even when the entries after it were renumbered to close the gap', () => {
    sql('DELETE FROM audit_log WHERE seq = 10');
    renumber(11, -1);
    expect(log.verify()).toEqual({
      ok: false,
      firstBadSeq: 10,
      problem: 'removed',
      message: 'entry 10 was removed and the entries after renumbered: what was entry 11 now sits at 10',
    });
  });

  it('finds two entries that were swapped', () => {
    sql('UPDATE audit_log SET seq = -1 WHERE seq = 5');
    sql('UPDATE audit_log SET seq = 5 WHERE seq = 6');
    sql('UPDATE audit_log SET seq = 6 WHERE seq = -1');
    expect(log.verify()).toEqual({ ok: false, firstBadSeq: 5, problem: 'reordered', message: 'entry 5 was reordered: it holds what was entry 6' });
  });

  it('finds an entry moved to the end, rather than calling it removed', () => {
    sql('UPDATE audit_log SET seq = 1000 WHERE seq = 5');
    expect(log.verify()).toEqual({ ok: false, firstBadSeq: 5, problem: 'reordered', message: 'entry 5 was reordered: it now sits at 1000' });
  });

  it('finds an inserted entry that was made to fit, by the entry after it linking past it', () => {
    renumber(10, 1);
    const nine = entry(9);
    const forged = { seq: 10, at: nine.at, actor: 'alice', action: 'approve', target: 'service/web', outcome: 'allowed' as const, from: '10.0.0.7', prevHash: nine.hash };
    insert({ ...forged, hash: hashEntry(forged) });
    expect(log.verify()).toEqual({ ok: false, firstBadSeq: 10, problem: 'inserted', message: 'entry 10 was inserted: the entry after it links to entry 9, skipping it' });
  });

  it('finds an inserted entry copied from another, which belongs to no chain', () => {
    renumber(10, 1);
    insert({ ...entry(9), seq: 10, actor: 'mallory' });
    expect(log.verify()).toEqual({
      ok: false,
      firstBadSeq: 10,
      problem: 'inserted',
      message: 'entry 10 was inserted: it is not part of the chain, and the entry after it links to entry 9',
    });
  });
});

describe('AuditLog.verify with a saved head', () => {
  it('cannot see entries removed from the end without a head, and names them with one', () => {
    const head = log.head();
    sql('DELETE FROM audit_log WHERE seq >= 19');
    // Honest about the limit: the chain that is left is whole.
    expect(log.verify()).toEqual({ ok: true, entries: 18 });
    expect(log.verify({ head })).toEqual({
      ok: false,
      firstBadSeq: 19,
      problem: 'removed',
      message: 'entries 19 to 20 were removed from the end: the saved head is entry 20 but the log ends at entry 18',
    });
  });

  it('cannot see a log rewritten with every hash recomputed without a head, and notices it with one', () => {
    const head = log.head();
    sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4");
    let prevHash = entry(3).hash;
    for (let seq = 4; seq <= 20; seq++) {
      const rewritten = { ...entry(seq), prevHash };
      prevHash = hashEntry(rewritten);
      sql('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?', rewritten.prevHash, prevHash, seq);
    }
    expect(log.verify()).toEqual({ ok: true, entries: 20 });
    expect(log.verify({ head })).toMatchObject({ ok: false, firstBadSeq: 20, problem: 'edited', message: expect.stringMatching(/^entry 20 was edited, or one before it/) });
  });

  it('accepts entries appended after the head was saved', () => {
    const head = log.head();
    log.append({ actor: 'alice', action: 'rollback', target: 'service/web', outcome: 'succeeded', from: '10.0.0.7' });
    expect(log.verify({ head })).toEqual({ ok: true, entries: 21 });
  });
});
