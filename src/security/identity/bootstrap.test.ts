import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureAdminToken, readAdminToken } from '../../server/admin-token.ts';
import { openDatabase } from '../../store/database.ts';
import type { Db } from '../../store/index.ts';
import { authorize } from './authorize.ts';
import { ensureBootstrapAdmin } from './bootstrap.ts';
import { IdentityStore } from './identity-store.ts';
import { IDENTITY_FLAGS_SCHEMA, IDENTITY_SCHEMA } from './schema.ts';

let dir: string;
let db: Db;
let store: IdentityStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-bootstrap-'));
  db = openDatabase(join(dir, 'cutover.db'));
  db.exec(IDENTITY_SCHEMA + IDENTITY_FLAGS_SCHEMA);
  store = new IdentityStore(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = () => ({ create: () => ensureAdminToken(dir), read: () => readAdminToken(dir) });

describe('ensureBootstrapAdmin', () => {
  it('creates user admin on * with the token from the admin-token file, so that token keeps working', () => {
    expect(ensureBootstrapAdmin(store, file())).toEqual({ created: true, tokenWorks: true });
    const token = readAdminToken(dir)!;
    const identity = store.verifyToken(token);
    expect(identity).toEqual({ user: 'admin', grants: [{ role: 'admin', environment: '*' }] });
    expect(authorize(identity!, 'admin', '*')).toEqual({ ok: true });
  });

  it('changes nothing on later starts', () => {
    ensureBootstrapAdmin(store, file());
    expect(ensureBootstrapAdmin(store, file())).toEqual({ created: false, tokenWorks: true });
    expect(store.listUsers().map((user) => [user.name, user.tokens])).toEqual([['admin', 1]]);
  });

  it('does not bring back a revoked admin token on restart, and says the file\'s token no longer works', () => {
    ensureBootstrapAdmin(store, file());
    const token = readAdminToken(dir)!;
    store.revokeTokens('admin');
    expect(ensureBootstrapAdmin(store, file())).toEqual({ created: false, tokenWorks: false });
    expect(store.verifyToken(token)).toBeNull();
  });

  it('never makes admin again once it was removed, and writes no new admin-token file when the old one was deleted', () => {
    ensureBootstrapAdmin(store, file());
    const token = readAdminToken(dir)!;
    store.addUser('root', [{ role: 'admin', environment: '*' }]);
    store.removeUser('admin');
    rmSync(join(dir, 'admin-token'));
    expect(ensureBootstrapAdmin(store, file())).toEqual({ created: false });
    expect(readAdminToken(dir)).toBeUndefined();
    expect(store.getUser('admin')).toBeUndefined();
    expect(store.verifyToken(token)).toBeNull();
  });

  it('refuses to remove, or take admin:* from, the last admin on every environment', () => {
    ensureBootstrapAdmin(store, file());
    expect(() => store.removeUser('admin')).toThrow(/would leave no admin on every environment/);
    expect(() => store.revokeGrants('admin', [{ role: 'admin', environment: '*' }])).toThrow(/make another admin first/);
    expect(store.getUser('admin')?.grants).toEqual([{ role: 'admin', environment: '*' }]);
  });
});
