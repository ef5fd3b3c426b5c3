import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { openDatabase } from '../../store/database.ts';
import type { Db } from '../../store/index.ts';
import { IdentityStore } from './identity-store.ts';
import { IDENTITY_SCHEMA } from './schema.ts';
import { hashToken } from './tokens.ts';

let dir: string;
let db: Db;
let clock: number;
let store: IdentityStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-identity-'));
  db = openDatabase(join(dir, 'cutover.db'));
  db.exec(IDENTITY_SCHEMA);
  clock = Date.parse('2025-03-01T12:00:00Z');
  store = new IdentityStore(db, { now: () => clock });
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function thrown(action: () => unknown): CutoverError {
  try {
    action();
  } catch (error) {
    if (error instanceof CutoverError) return error;
    throw error;
  }
  throw new Error('expected a CutoverError');
}

describe('IdentityStore users and grants', () => {
  it('adds a user with grants and lists it with its grants, keys and token count', () => {
    store.addUser('alice', [{ role: 'deployer', environment: 'staging' }, { role: 'viewer', environment: '*' }]);
    expect(store.listUsers()).toEqual([
      {
        name: 'alice',
        createdAt: '2025-03-01T12:00:00.000Z',
        grants: [{ role: 'viewer', environment: '*' }, { role: 'deployer', environment: 'staging' }],
        keys: [],
        tokens: 0,
      },
    ]);
  });

  it('refuses a name outside [a-z0-9._-], an unknown role and a malformed environment, naming the field', () => {
    expect(thrown(() => store.addUser('Alice')).message).toMatch(/^user: "Alice" is not a user name/);
    expect(thrown(() => store.addUser('bob', [{ role: 'root' as never, environment: '*' }])).problems).toEqual([
      { path: 'grants[0].role', message: '"root" is not a role; expected one of viewer, deployer, approver, admin' },
    ]);
    expect(thrown(() => store.addUser('bob', [{ role: 'viewer', environment: 'Prod!' }])).problems[0]?.path).toBe('grants[0].environment');
    expect(store.listUsers()).toEqual([]);
  });

  it('refuses to add a user twice, and to change one that does not exist', () => {
    store.addUser('alice');
    expect(thrown(() => store.addUser('alice')).code).toBe('Conflict');
    expect(thrown(() => store.setGrants('nobody', [])).message).toBe('no user nobody; `cutover user list` shows who there is');
    expect(thrown(() => store.removeUser('nobody')).code).toBe('NotFound');
  });

  it('takes single grants away with revokeGrants, and says which it held', () => {
    store.addUser('alice', [{ role: 'deployer', environment: 'staging' }, { role: 'viewer', environment: '*' }]);
    expect(store.revokeGrants('alice', [{ role: 'deployer', environment: 'staging' }, { role: 'approver', environment: 'staging' }])).toEqual([{ role: 'deployer', environment: 'staging' }]);
    expect(store.identity('alice')?.grants).toEqual([{ role: 'viewer', environment: '*' }]);
  });

  it('replaces grants with setGrants and adds to them with addGrants', () => {
    store.addUser('alice', [{ role: 'viewer', environment: '*' }]);
    store.setGrants('alice', [{ role: 'deployer', environment: 'staging' }]);
    store.addGrants('alice', [{ role: 'deployer', environment: 'production' }, { role: 'deployer', environment: 'staging' }]);
    expect(store.identity('alice')).toEqual({
      user: 'alice',
      grants: [{ role: 'deployer', environment: 'production' }, { role: 'deployer', environment: 'staging' }],
    });
  });

  it('removes a user with its grants and tokens', () => {
    store.addUser('alice', [{ role: 'admin', environment: 'staging' }]);
    const token = store.createToken('alice');
    store.removeUser('alice');
    expect(store.verifyToken(token)).toBeNull();
    expect(store.identity('alice')).toBeUndefined();
    expect(db.prepare('SELECT count(*) AS n FROM grants').get()).toEqual({ n: 0 });
  });
});

describe('IdentityStore tokens', () => {
  it('creates cut_ tokens of 32 random bytes and keeps only their SHA-256', () => {
    store.addUser('alice', [{ role: 'deployer', environment: 'staging' }]);
    const token = store.createToken('alice');
    expect(token).toMatch(/^cut_[A-Za-z0-9_-]{43}$/);
    const rows = db.prepare('SELECT * FROM api_tokens').all() as { hash: Buffer }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash.equals(hashToken(token))).toBe(true);
    expect(JSON.stringify(db.prepare('SELECT * FROM api_tokens').all().map((row) => Object.values(row as object)))).not.toContain(token.slice(4));
  });

  it('verifies a token to its user and grants, and refuses unknown, altered and revoked ones', () => {
    store.addUser('alice', [{ role: 'deployer', environment: 'staging' }]);
    const first = store.createToken('alice');
    const second = store.createToken('alice');
    expect(first).not.toBe(second);
    expect(store.verifyToken(first)).toEqual({ user: 'alice', grants: [{ role: 'deployer', environment: 'staging' }] });
    expect(store.verifyToken(`${first.slice(0, -1)}${first.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(store.verifyToken('')).toBeNull();
    expect(store.getUser('alice')?.tokens).toBe(2);
    expect(store.revokeTokens('alice')).toBe(2);
    expect(store.verifyToken(first)).toBeNull();
    expect(store.verifyToken(second)).toBeNull();
  });

  it('sees grant changes on the next verification, without a new token', () => {
    store.addUser('alice', [{ role: 'viewer', environment: '*' }]);
    const token = store.createToken('alice');
    store.setGrants('alice', [{ role: 'admin', environment: '*' }]);
    expect(store.verifyToken(token)?.grants).toEqual([{ role: 'admin', environment: '*' }]);
  });
});
