import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { openDatabase } from '../../store/database.ts';
import type { Db } from '../../store/index.ts';
import { signRequest, verifyRequest } from '../signatures/index.ts';
import type { HttpRequest } from '../signatures/index.ts';
import { IdentityStore } from './identity-store.ts';
import { IDENTITY_SCHEMA } from './schema.ts';

let dir: string;
let db: Db;
let clock: number;
let store: IdentityStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-keys-'));
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

describe('IdentityStore signing keys', () => {
  const url = 'https://cutover.example/v1/services/web/deployments';
  const request: HttpRequest = { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{}') };
  const verify = (signed: HttpRequest) =>
    verifyRequest(signed, { keyLookup: (keyid) => store.lookupKey(keyid), seenNonce: (k, n, e) => store.seenNonce(k, n, e), now: Math.floor(clock / 1000) });

  it('generates a 32-byte HMAC secret, returns it once, and verifies requests signed with it', () => {
    store.addUser('alice', [{ role: 'deployer', environment: 'staging' }]);
    const added = store.addKey('alice', { keyid: 'alice-laptop', alg: 'hmac-sha256' });
    expect(added.secret).toHaveLength(32);
    const headers = signRequest(request, { keyid: 'alice-laptop', alg: 'hmac-sha256', secret: added.secret! }, { created: Math.floor(clock / 1000) });
    expect(verify({ ...request, headers: { ...request.headers, ...headers } })).toMatchObject({ ok: true, keyid: 'alice-laptop' });
    expect(store.lookupKey('alice-laptop')).toMatchObject({ keyid: 'alice-laptop', alg: 'hmac-sha256', user: 'alice' });
  });

  it('keeps a given HMAC secret without returning it, and refuses one shorter than 32 bytes', () => {
    store.addUser('alice');
    expect(store.addKey('alice', { keyid: 'k1', alg: 'hmac-sha256', secret: randomBytes(32) })).toEqual({ keyid: 'k1', alg: 'hmac-sha256', user: 'alice' });
    expect(thrown(() => store.addKey('alice', { keyid: 'k2', alg: 'hmac-sha256', secret: randomBytes(16) })).message).toMatch(/needs at least 32 bytes, got 16/);
  });

  it('accepts an ed25519 public key as PEM or raw base64, and verifies requests signed with the private key', () => {
    store.addUser('bob', [{ role: 'approver', environment: '*' }]);
    const pair = generateKeyPairSync('ed25519');
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const raw = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
    expect(store.addKey('bob', { keyid: 'bob-pem', alg: 'ed25519', publicKey: pem })).toEqual({ keyid: 'bob-pem', alg: 'ed25519', user: 'bob' });
    store.addKey('bob', { keyid: 'bob-raw', alg: 'ed25519', publicKey: raw });
    for (const keyid of ['bob-pem', 'bob-raw']) {
      const headers = signRequest(request, { keyid, alg: 'ed25519', secret: pair.privateKey }, { created: Math.floor(clock / 1000) });
      expect(verify({ ...request, headers: { ...request.headers, ...headers } })).toMatchObject({ ok: true, keyid });
    }
    expect(store.getUser('bob')?.keys.map((key) => key.publicKey)).toEqual([raw, raw]);
  });

  it('refuses an ed25519 private key, a key of another type, and material that does not fit the algorithm', () => {
    store.addUser('bob');
    const pair = generateKeyPairSync('ed25519');
    const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(thrown(() => store.addKey('bob', { keyid: 'a', alg: 'ed25519', publicKey: privatePem })).message).toMatch(/this is a private key; register the public key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(thrown(() => store.addKey('bob', { keyid: 'b', alg: 'ed25519', publicKey: rsa })).message).toBe('publicKey: this is a rsa key, not an ed25519 one');
    expect(thrown(() => store.addKey('bob', { keyid: 'c', alg: 'ed25519', publicKey: 'dG9vIHNob3J0' })).problems[0]?.path).toBe('publicKey');
    expect(thrown(() => store.addKey('bob', { keyid: 'd', alg: 'ed25519' })).problems[0]?.path).toBe('publicKey');
    expect(thrown(() => store.addKey('bob', { keyid: 'e', alg: 'hmac-sha256', publicKey: 'x' })).problems[0]?.path).toBe('publicKey');
    expect(thrown(() => store.addKey('bob', { keyid: 'has space', alg: 'hmac-sha256' })).problems[0]?.path).toBe('keyid');
    expect(store.getUser('bob')?.keys).toEqual([]);
  });

  it('lists keys without any secret', () => {
    store.addUser('alice');
    const { secret } = store.addKey('alice', { keyid: 'k1', alg: 'hmac-sha256' });
    const listed = JSON.stringify(store.listUsers());
    expect(listed).not.toContain(secret!.toString('base64'));
    expect(listed).not.toContain(secret!.toString('hex'));
    expect(store.getUser('alice')?.keys).toEqual([{ keyid: 'k1', alg: 'hmac-sha256', createdAt: '2025-03-01T12:00:00.000Z', revokedAt: null }]);
  });

  it('gives a key object that does not print its secret', () => {
    store.addUser('alice');
    const { secret } = store.addKey('alice', { keyid: 'k1', alg: 'hmac-sha256' });
    const key = store.lookupKey('k1')!;
    expect(JSON.stringify(key)).not.toContain(secret!.toString('base64'));
    expect(key.secret.export().equals(secret!)).toBe(true);
  });

  it('forgets revoked keys and never reuses their keyids', () => {
    store.addUser('alice');
    store.addKey('alice', { keyid: 'k1', alg: 'hmac-sha256' });
    store.revokeKey('k1');
    expect(store.lookupKey('k1')).toBeUndefined();
    expect(store.getUser('alice')?.keys[0]?.revokedAt).toBe('2025-03-01T12:00:00.000Z');
    expect(thrown(() => store.addKey('alice', { keyid: 'k1', alg: 'hmac-sha256' })).message).toMatch(/^keyid k1 is taken/);
    expect(thrown(() => store.revokeKey('nope')).code).toBe('NotFound');
  });

  it('revokes a removed user\'s keys', () => {
    store.addUser('alice');
    store.addKey('alice', { keyid: 'k1', alg: 'hmac-sha256' });
    store.removeUser('alice');
    expect(store.lookupKey('k1')).toBeUndefined();
  });

  it('refuses a key for a user that does not exist', () => {
    expect(thrown(() => store.addKey('ghost', { keyid: 'k1', alg: 'hmac-sha256' })).code).toBe('NotFound');
  });
});

describe('IdentityStore nonces', () => {
  const now = () => Math.floor(clock / 1000);

  it('says a nonce was seen the second time it is used with the same key, not with another key', () => {
    expect(store.seenNonce('k1', 'n-1', now() + 300)).toBe(false);
    expect(store.seenNonce('k1', 'n-1', now() + 300)).toBe(true);
    expect(store.seenNonce('k2', 'n-1', now() + 300)).toBe(false);
  });

  it('prunes nonces once their signatures have expired', () => {
    store.seenNonce('k1', 'old', now() + 10);
    store.seenNonce('k1', 'young', now() + 600);
    clock += 60_000;
    expect(store.seenNonce('k1', 'other', now() + 300)).toBe(false);
    expect((db.prepare('SELECT nonce FROM signature_nonces ORDER BY nonce').all() as { nonce: string }[]).map((row) => row.nonce)).toEqual(['other', 'young']);
    expect(store.seenNonce('k1', 'young', now() + 300)).toBe(true);
  });

  it('refuses a replayed signed request', () => {
    store.addUser('alice');
    const { secret } = store.addKey('alice', { keyid: 'k1', alg: 'hmac-sha256' });
    const get: HttpRequest = { method: 'GET', url: 'https://cutover.example/v1/services', headers: {} };
    const signed: HttpRequest = { ...get, headers: { ...signRequest(get, { keyid: 'k1', alg: 'hmac-sha256', secret: secret! }, { created: now() }) } };
    const options = { keyLookup: (keyid: string) => store.lookupKey(keyid), seenNonce: store.seenNonce.bind(store), now: now() };
    expect(verifyRequest(signed, options).ok).toBe(true);
    expect(verifyRequest(signed, options)).toMatchObject({ ok: false, reason: expect.stringMatching(/already used: this request is a replay/) });
  });
});
