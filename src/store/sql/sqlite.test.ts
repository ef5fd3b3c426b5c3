import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from './sqlite.ts';

let dir: string;
let db: SqliteDatabase;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-sqlite-'));
  db = new SqliteDatabase(join(dir, 'cutover.db'));
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const received = (channel: string) => {
  const payloads: string[] = [];
  db.listen(channel, (payload) => payloads.push(payload));
  return payloads;
};

describe('the SQLite adapter of the store port', () => {
  it('rolls a transaction back whole when it throws, nested ones included', () => {
    expect(() =>
      db.transaction(() => {
        db.prepare('INSERT INTO t (v) VALUES (?)').run('a');
        db.transaction(() => db.prepare('INSERT INTO t (v) VALUES (?)').run('b'));
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 });
  });

  it('returns inserted ids through RETURNING and counts the rows written', () => {
    const before = db.rowsWritten();
    const row = db.prepare('INSERT INTO t (v) VALUES (?) RETURNING id').get('a') as { id: number };
    expect(row.id).toBe(1);
    expect(db.prepare('UPDATE t SET v = ? WHERE id = ?').run('b', 1).changes).toBe(1);
    expect(db.rowsWritten() - before).toBe(2);
  });

  it('reads JSON fields with the dialect helpers', () => {
    db.prepare('INSERT INTO t (v) VALUES (?)').run(JSON.stringify({ a: { b: 'x', n: 7 } }));
    expect(db.prepare(`SELECT ${db.jsonText('v', '$.a.b')} AS b, ${db.jsonInteger('v', '$.a.n')} AS n FROM t`).get()).toEqual({ b: 'x', n: 7 });
    expect(() => db.jsonText('v', "$.a'; DROP TABLE t")).toThrow('is not of the form');
  });

  it('delivers a notification sent in a transaction once it commits, and never when it rolls back', async () => {
    const payloads = received('events');
    db.transaction(() => {
      db.notify('events', 'committed');
      expect(payloads).toEqual([]);
    });
    expect(() =>
      db.transaction(() => {
        db.notify('events', 'rolled back');
        throw new Error('no');
      }),
    ).toThrow();
    db.notify('events', 'outside');
    await new Promise((resolve) => setImmediate(resolve));
    expect(payloads).toEqual(['committed', 'outside']);
  });

  it('refuses a channel name PostgreSQL would not accept', () => {
    expect(() => db.notify('Bad-Name', 'x')).toThrow('lower-case identifier');
  });
});
