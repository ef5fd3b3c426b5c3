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

/** Seals secrets at rest (the server's age key ring) and opens them again. */
export interface SecretSealer {
  seal(secret: Buffer): Promise<string>;
  open(sealed: string): Promise<Buffer>;
}

interface KeyRow {
  keyid: string;
  username: string;
  alg: KeyAlgorithm;
  public_key: string | null;
  secret_plaintext: Buffer | null;
  secret_sealed: string | null;
  created_at: number;
  revoked_at: number | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Users, their roles per environment, API tokens and request-signing keys. */
export class IdentityStore {
  private readonly now: () => number;
  /** HMAC secrets opened at start (sealSecrets), by keyid: verifying a signature needs the secret, and cannot wait for age. */
  private readonly opened = new Map<string, Buffer>();
  private sealer: SecretSealer | undefined;

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
    });
    return this.getUser(name)!;
  }

  /**
   * Makes the first admin with the admin-token file's token and sets `flag`,
   * all at once: a crash in between can neither leave an admin without the
   * flag (made again) nor the flag without an admin (no way in).
   */
  bootstrapAdmin(name: string, token: string, flag: string): void {
    this.db.transaction(() => {
      // Read again under the write lock: replicas started together all found no flag; the first to get here bootstraps.
      if (this.hasFlag(flag)) return;
      if (!this.getUser(name)) this.addUser(name, [{ role: 'admin', environment: '*' }]);
      this.registerToken(name, token);
      this.db.prepare('INSERT INTO server_flags (name, set_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(flag, this.now());
    });
  }

  /** True once `flag` was set (see server_flags in schema.ts). */
  hasFlag(flag: string): boolean {
    return this.db.prepare('SELECT 1 FROM server_flags WHERE name = ?').get(flag) !== undefined;
  }

  /** Removes the user with its grants and tokens, and revokes its keys (keyids stay taken). Refuses to remove the last admin on every environment. */
  removeUser(name: string): void {
    this.db.transaction(() => {
      this.requireUser(name);
      this.keepAnAdmin(name, [{ role: 'admin', environment: '*' }], `removing user ${name}`);
      this.db.prepare('UPDATE signing_keys SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL').run(this.now(), name);
      this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
    });
  }

  /** Replaces all of the user's grants. */
  setGrants(name: string, grants: readonly Grant[]): void {
    const checked = checkGrants(grants);
    this.db.transaction(() => {
      this.requireUser(name);
      this.db.prepare('DELETE FROM grants WHERE username = ?').run(name);
      this.writeGrants(name, checked);
    });
  }

  /** Adds grants to an existing user, keeping the ones it has. */
  addGrants(name: string, grants: readonly Grant[]): void {
    const checked = checkGrants(grants);
    this.db.transaction(() => {
      this.requireUser(name);
      this.writeGrants(name, checked);
    });
  }

  /**
   * Takes grants away from a user; returns the ones it held. Refuses to take
   * the last `admin:*` away: nobody could then grant anything again.
   */
  revokeGrants(name: string, grants: readonly Grant[]): Grant[] {
    const checked = checkGrants(grants);
    return this.db.transaction(() => {
      this.requireUser(name);
      this.keepAnAdmin(name, checked, `taking ${checked.map((g) => `${g.role}:${g.environment}`).join(', ')} from ${name}`);
      const remove = this.db.prepare('DELETE FROM grants WHERE username = ? AND role = ? AND environment = ?');
      return checked.filter((grant) => remove.run(name, grant.role, grant.environment).changes === 1);
    });
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
    });
  }

  /**
   * The identity a token belongs to, or null. The lookup is by the token's
   * SHA-256: an attacker who times it learns about hashes of their own
   * guesses, which says nothing about any real token, so no byte of a stored
   * token is ever compared with input. The user and their grants in one
   * query: every API request asks, and on PostgreSQL each query is a round
   * trip the server's thread waits for.
   */
  verifyToken(token: string): Identity | null {
    const rows = this.db
      .prepare('SELECT t.username AS username, g.role AS role, g.environment AS environment FROM api_tokens t LEFT JOIN grants g ON g.username = t.username WHERE t.hash = ? ORDER BY g.environment')
      .all(hashToken(token)) as { username: string; role: Grant['role'] | null; environment: string | null }[];
    if (rows.length === 0) return null;
    const grants = rows.flatMap((row) => (row.role === null ? [] : [{ role: row.role, environment: row.environment! }]));
    return { user: rows[0]!.username, grants: grants.sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role)) };
  }

  /** Revokes every token of the user; returns how many there were. */
  revokeTokens(user: string): number {
    return this.db.transaction(() => {
      this.requireUser(user);
      return this.db.prepare('DELETE FROM api_tokens WHERE username = ?').run(user).changes;
    });
  }

  addKey(user: string, key: NewKey): AddedKey {
    checkKeyid(key.keyid);
    const material = keyMaterial(key);
    this.insertKey(user, key, { publicKey: material.publicKey, secret: material.secret, sealed: null });
    return { keyid: key.keyid, alg: key.alg, user, ...(material.generated ? { secret: material.generated } : {}) };
  }

  /** The user a key belongs to (revoked or not), or undefined for an unknown keyid. */
  keyOwner(keyid: string): string | undefined {
    return (this.db.prepare('SELECT username FROM signing_keys WHERE keyid = ?').get(keyid) as { username: string } | undefined)?.username;
  }

  /**
   * Adds a key as addKey does, with an HMAC secret sealed by the sealer
   * given to sealSecrets before it is written: the database never holds it
   * in the clear. Without a sealer, the same as addKey.
   */
  async addKeySealed(user: string, key: NewKey): Promise<AddedKey> {
    if (!this.sealer || key.alg !== 'hmac-sha256') return this.addKey(user, key);
    checkKeyid(key.keyid);
    const material = keyMaterial(key);
    const sealed = await this.sealer.seal(material.secret!);
    this.insertKey(user, key, { publicKey: null, secret: null, sealed });
    this.opened.set(key.keyid, material.secret!);
    return { keyid: key.keyid, alg: key.alg, user, ...(material.generated ? { secret: material.generated } : {}) };
  }

  /**
   * Seals from now on with `sealer`: seals the HMAC secrets still kept in
   * the clear (rows from before sealing existed), blanking them with SQLite's
   * secure_delete so the old bytes do not stay in free pages, and opens the
   * sealed ones for verification. Returns how many were sealed now.
   */
  async sealSecrets(sealer: SecretSealer): Promise<number> {
    this.sealer = sealer;
    const rows = this.db.prepare('SELECT keyid, secret_plaintext, secret_sealed FROM signing_keys WHERE secret_plaintext IS NOT NULL OR secret_sealed IS NOT NULL').all() as Pick<KeyRow, 'keyid' | 'secret_plaintext' | 'secret_sealed'>[];
    let sealedNow = 0;
    for (const row of rows) {
      if (row.secret_plaintext) {
        const sealed = await sealer.seal(row.secret_plaintext);
        this.db.eraseDeleted();
        this.db.prepare('UPDATE signing_keys SET secret_sealed = ?, secret_plaintext = NULL WHERE keyid = ?').run(sealed, row.keyid);
        this.opened.set(row.keyid, row.secret_plaintext);
        sealedNow++;
      } else {
        this.opened.set(row.keyid, await sealer.open(row.secret_sealed!));
      }
    }
    // The WAL may still hold pages with the plaintext: written back and emptied now.
    if (sealedNow > 0) this.db.flushDeleted();
    return sealedNow;
  }

  /** Re-seals every sealed secret (after the key ring rotated); returns how many. */
  async resealSecrets(): Promise<number> {
    if (!this.sealer) return 0;
    const update = this.db.prepare('UPDATE signing_keys SET secret_sealed = ? WHERE keyid = ?');
    for (const [keyid, secret] of this.opened) update.run(await this.sealer.seal(secret), keyid);
    return this.opened.size;
  }

  revokeKey(keyid: string): void {
    const revoked = this.db.prepare('UPDATE signing_keys SET revoked_at = ? WHERE keyid = ? AND revoked_at IS NULL').run(this.now(), keyid);
    if (revoked.changes === 0) {
      const known = this.db.prepare('SELECT 1 FROM signing_keys WHERE keyid = ?').get(keyid);
      if (!known) throw new CutoverError(ErrorCode.NotFound, `no key ${keyid}; \`cutover user list\` shows each user's keys`, { context: { keyid } });
    }
  }

  private insertKey(user: string, key: NewKey, material: { publicKey: string | null; secret: Buffer | null; sealed: string | null }): void {
    this.db.transaction(() => {
      this.requireUser(user);
      const inserted = this.db
        .prepare('INSERT INTO signing_keys (keyid, username, alg, public_key, secret_plaintext, secret_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (keyid) DO NOTHING')
        .run(key.keyid, user, key.alg, material.publicKey, material.secret, material.sealed, this.now());
      if (inserted.changes === 0) {
        throw new CutoverError(ErrorCode.Conflict, `keyid ${key.keyid} is taken (keyids are never reused, even after a revoke, so old signatures can never verify again); choose another keyid`, { context: { keyid: key.keyid } });
      }
    });
  }

  /** The key for verifying a signature, with the user it speaks for; undefined when unknown or revoked. */
  lookupKey(keyid: string): UserKey | undefined {
    const row = this.db
      .prepare('SELECT keyid, username, alg, public_key, secret_plaintext, secret_sealed, created_at, revoked_at FROM signing_keys WHERE keyid = ? AND revoked_at IS NULL')
      .get(keyid) as KeyRow | undefined;
    if (!row) return undefined;
    const secret = row.secret_plaintext ?? this.opened.get(row.keyid) ?? null;
    // A sealed secret not opened (no sealer given to this store): the key cannot verify here.
    if (row.alg === 'hmac-sha256' && !secret) return undefined;
    return { keyid: row.keyid, alg: row.alg, user: row.username, secret: verificationKey(row.alg, { publicKey: row.public_key, secret }) };
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
    });
  }

  /** Throws when `name` is the only admin on every environment and `losing` includes that grant. */
  private keepAnAdmin(name: string, losing: readonly Grant[], what: string): void {
    if (!losing.some((grant) => grant.role === 'admin' && grant.environment === '*')) return;
    const admins = this.db.prepare("SELECT DISTINCT username FROM grants WHERE role = 'admin' AND environment = '*'").all() as { username: string }[];
    if (admins.length === 1 && admins[0]!.username === name) {
      throw new CutoverError(ErrorCode.Conflict, `${what} would leave no admin on every environment, and nobody could grant a role again; make another admin first (\`cutover user add NAME --role admin:*\`)`, { context: { user: name } });
    }
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
