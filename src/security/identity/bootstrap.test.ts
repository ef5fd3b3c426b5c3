import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureAdminToken } from '../../server/admin-token.ts';
import { openDatabase } from '../../store/database.ts';
import type { Db } from '../../store/index.ts';
import { authorize } from './authorize.ts';
import { ensureBootstrapAdmin } from './bootstrap.ts';
import { IdentityStore } from './identity-store.ts';
import { IDENTITY_SCHEMA } from './schema.ts';

let dir: string;
let db: Db;
let store: IdentityStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-bootstrap-'));
  db = openDatabase(join(dir, 'cutover.db'));
  db.exec(IDENTITY_SCHEMA);
  store = new IdentityStore(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ensureBootstrapAdmin', () => {
  it('creates user admin on * with the token from the admin-token file, so that token keeps working', () => {
    const token = ensureAdminToken(dir);
    expect(ensureBootstrapAdmin(store, token)).toEqual({ created: true, tokenWorks: true });
    const identity = store.verifyToken(token);
    expect(identity).toEqual({ user: 'admin', grants: [{ role: 'admin', environment: '*' }] });
    expect(authorize(identity!, 'admin', '*')).toEqual({ ok: true });
  });

  it('changes nothing on later starts', () => {
    const token = ensureAdminToken(dir);
    ensureBootstrapAdmin(store, token);
    expect(ensureBootstrapAdmin(store, token)).toEqual({ created: false, tokenWorks: true });
    expect(store.listUsers().map((user) => [user.name, user.tokens])).toEqual([['admin', 1]]);
  });

  it('does not bring back a revoked admin token on restart, and says the file\'s token no longer works', () => {
    const token = ensureAdminToken(dir);
    ensureBootstrapAdmin(store, token);
    store.revokeTokens('admin');
    expect(ensureBootstrapAdmin(store, token)).toEqual({ created: false, tokenWorks: false });
    expect(store.verifyToken(token)).toBeNull();
  });
});
