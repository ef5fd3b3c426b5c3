import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { keyMaterial, rawPublicKey, verificationKey } from './keys.ts';
import type { KeyAlgorithm, NewKey, UserKey } from './keys.ts';
import { checkGrant, checkKeyid, checkUserName } from './names.ts';
import { ROLES } from './roles.ts';
import type { Grant, Identity } from './roles.ts';
import { generateToken, hashToken } from './tokens.ts';

/** A user as listings show it: grants and keys, never a token or a secret. */
export interface UserSummary {
  name: string;
  createdAt: string;
  grants: Grant[];
  keys: KeySummary[];
  /** How many API tokens the user has. */
  tokens: number;
}

export interface KeySummary {
  keyid: string;
  alg: KeyAlgorithm;
  createdAt: string;
  revokedAt: string | null;
  /** ed25519: the raw public key in base64 (public, so safe to show). */
  publicKey?: string;
}

/** A key just registered. `secret` is there only when the server generated it: it is shown this once. */
export interface AddedKey {
  keyid: string;
  alg: KeyAlgorithm;
  user: string;
  secret?: Buffer;
}

export interface IdentityStoreOptions {
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
}

interface KeyRow {
  keyid: string;
  username: string;
  alg: KeyAlgorithm;
  public_key: string | null;
  secret_plaintext: Buffer | null;
  created_at: number;
  revoked_at: number | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Users, their roles per environment, API tokens and request-signing keys. */
export class IdentityStore {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    options: IdentityStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  addUser(name: string, grants: readonly Grant[] = []): UserSummary {
    checkUserName(name);
    const checked = checkGrants(grants);
    this.db.transaction(() => {
      const inserted = this.db.prepare('INSERT INTO users (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, this.now());
      if (inserted.changes === 0) {
        throw new CutoverError(ErrorCode.Conflict, `user ${name} exists already; add roles to it rather than adding it again`, { context: { user: name } });
      }
      this.writeGrants(name, checked);
    })();
    return this.getUser(name)!;
  }

  /** Removes the user with its grants and tokens, and revokes its keys (keyids stay taken). */
  removeUser(name: string): void {
    this.db.transaction(() => {
      this.requireUser(name);
      this.db.prepare('UPDATE signing_keys SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL').run(this.now(), name);
      this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
    })();
  }

  /** Replaces all of the user's grants. */
  setGrants(name: string, grants: readonly Grant[]): void {
    const checked = checkGrants(grants);
    this.db.transaction(() => {
      this.requireUser(name);
      this.db.prepare('DELETE FROM grants WHERE username = ?').run(name);
      this.writeGrants(name, checked);
    })();
  }

  /** Adds grants to an existing user, keeping the ones it has. */
  addGrants(name: string, grants: readonly Grant[]): void {
    const checked = checkGrants(grants);
    this.db.transaction(() => {
      this.requireUser(name);
      this.writeGrants(name, checked);
    })();
  }

  getUser(name: string): UserSummary | undefined {
    const row = this.db.prepare('SELECT name, created_at FROM users WHERE name = ?').get(name) as { name: string; created_at: number } | undefined;
    return row && this.summary(row);
  }

  listUsers(): UserSummary[] {
    const rows = this.db.prepare('SELECT name, created_at FROM users ORDER BY name').all() as { name: string; created_at: number }[];
    return rows.map((row) => this.summary(row));
  }

  /** Who the user is for authorization, or undefined when there is no such user. */
  identity(name: string): Identity | undefined {
    const exists = this.db.prepare('SELECT 1 FROM users WHERE name = ?').get(name);
    return exists ? { user: name, grants: this.grantsOf(name) } : undefined;
  }

  /** A new API token for the user. It is returned this once; the store keeps only its hash. */
  createToken(user: string): string {
    const token = generateToken();
    this.registerToken(user, token);
    return token;
  }

  /** Accepts an existing token (the server's admin-token file) for the user; false when it was accepted already. */
  registerToken(user: string, token: string): boolean {
    return this.db.transaction(() => {
      this.requireUser(user);
      const inserted = this.db.prepare('INSERT INTO api_tokens (hash, username, created_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING').run(hashToken(token), user, this.now());
      return inserted.changes === 1;
    })();
  }

  /**
   * The identity a token belongs to, or null. The lookup is by the token's
   * SHA-256: an attacker who times it learns about hashes of their own
   * guesses, which says nothing about any real token, so no byte of a stored
   * token is ever compared with input.
   */
  verifyToken(token: string): Identity | null {
    const row = this.db.prepare('SELECT username FROM api_tokens WHERE hash = ?').get(hashToken(token)) as { username: string } | undefined;
    return row ? { user: row.username, grants: this.grantsOf(row.username) } : null;
  }

  /** Revokes every token of the user; returns how many there were. */
  revokeTokens(user: string): number {
    return this.db.transaction(() => {
      this.requireUser(user);
      return this.db.prepare('DELETE FROM api_tokens WHERE username = ?').run(user).changes;
    })();
  }

  addKey(user: string, key: NewKey): AddedKey {
    checkKeyid(key.keyid);
    const material = keyMaterial(key);
    this.db.transaction(() => {
      this.requireUser(user);
      const inserted = this.db
        .prepare('INSERT INTO signing_keys (keyid, username, alg, public_key, secret_plaintext, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (keyid) DO NOTHING')
        .run(key.keyid, user, key.alg, material.publicKey, material.secret, this.now());
      if (inserted.changes === 0) {
        throw new CutoverError(ErrorCode.Conflict, `keyid ${key.keyid} is taken (keyids are never reused, even after a revoke, so old signatures can never verify again); choose another keyid`, { context: { keyid: key.keyid } });
      }
    })();
    return { keyid: key.keyid, alg: key.alg, user, ...(material.generated ? { secret: material.generated } : {}) };
  }

  revokeKey(keyid: string): void {
    const revoked = this.db.prepare('UPDATE signing_keys SET revoked_at = ? WHERE keyid = ? AND revoked_at IS NULL').run(this.now(), keyid);
    if (revoked.changes === 0) {
      const known = this.db.prepare('SELECT 1 FROM signing_keys WHERE keyid = ?').get(keyid);
      if (!known) throw new CutoverError(ErrorCode.NotFound, `no key ${keyid}; \`cutover user list\` shows each user's keys`, { context: { keyid } });
    }
  }

  /** The key for verifying a signature, with the user it speaks for; undefined when unknown or revoked. */
  lookupKey(keyid: string): UserKey | undefined {
    const row = this.db
      .prepare('SELECT keyid, username, alg, public_key, secret_plaintext, created_at, revoked_at FROM signing_keys WHERE keyid = ? AND revoked_at IS NULL')
      .get(keyid) as KeyRow | undefined;
    if (!row) return undefined;
    return { keyid: row.keyid, alg: row.alg, user: row.username, secret: verificationKey(row.alg, { publicKey: row.public_key, secret: row.secret_plaintext }) };
  }

  /**
   * Records a signature's nonce; true when it was seen before (a replay).
   * Expired nonces are pruned first: their signatures are too old to be
   * accepted, so forgetting them opens no door.
   */
  seenNonce(keyid: string, nonce: string, expiresAt: number): boolean {
    const nowSeconds = Math.floor(this.now() / 1000);
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM signature_nonces WHERE expires_at < ?').run(nowSeconds);
      const inserted = this.db
        .prepare('INSERT INTO signature_nonces (keyid, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT (keyid, nonce) DO NOTHING')
        .run(keyid, nonce, Math.ceil(expiresAt));
      return inserted.changes === 0;
    })();
  }

  private requireUser(name: string): void {
    if (!this.db.prepare('SELECT 1 FROM users WHERE name = ?').get(name)) {
      throw new CutoverError(ErrorCode.NotFound, `no user ${name}; \`cutover user list\` shows who there is`, { context: { user: name } });
    }
  }

  private writeGrants(name: string, grants: readonly Grant[]): void {
    const insert = this.db.prepare('INSERT INTO grants (username, role, environment) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    for (const grant of grants) insert.run(name, grant.role, grant.environment);
  }

  private grantsOf(name: string): Grant[] {
    const rows = this.db.prepare('SELECT role, environment FROM grants WHERE username = ? ORDER BY environment').all(name) as Grant[];
    return rows.sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
  }

  private summary(row: { name: string; created_at: number }): UserSummary {
    const keys = this.db
      .prepare('SELECT keyid, alg, public_key, created_at, revoked_at FROM signing_keys WHERE username = ? ORDER BY created_at, keyid')
      .all(row.name) as Pick<KeyRow, 'keyid' | 'alg' | 'public_key' | 'created_at' | 'revoked_at'>[];
    const tokens = this.db.prepare('SELECT count(*) AS n FROM api_tokens WHERE username = ?').get(row.name) as { n: number };
    return {
      name: row.name,
      createdAt: iso(row.created_at),
      grants: this.grantsOf(row.name),
      keys: keys.map((key) => ({
        keyid: key.keyid,
        alg: key.alg,
        createdAt: iso(key.created_at),
        revokedAt: key.revoked_at === null ? null : iso(key.revoked_at),
        ...(key.public_key ? { publicKey: rawPublicKey(key.public_key) } : {}),
      })),
      tokens: tokens.n,
    };
  }
}

function checkGrants(grants: readonly Grant[]): Grant[] {
  return grants.map((grant, index) => checkGrant(grant, `grants[${index}]`));
}
