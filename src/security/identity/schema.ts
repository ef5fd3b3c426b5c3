/**
 * The identity tables, for the lead to append as a migration. Tokens are kept
 * only as SHA-256 hashes. Signing keys are never deleted, only revoked, so a
 * keyid cannot be reused and old signatures can never verify again.
 */
export const IDENTITY_SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    name        TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS grants (
    username    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    role        TEXT NOT NULL,            -- viewer | deployer | approver | admin
    environment TEXT NOT NULL,            -- an environment name, or * for all
    PRIMARY KEY (username, role, environment)
  );
  CREATE TABLE IF NOT EXISTS api_tokens (
    hash        BLOB PRIMARY KEY,         -- sha256 of the token; the token itself is never stored
    username    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS api_tokens_by_user ON api_tokens (username);
  CREATE TABLE IF NOT EXISTS signing_keys (
    keyid       TEXT PRIMARY KEY,
    username    TEXT NOT NULL,            -- no foreign key: removing a user revokes its keys but keeps the keyids taken
    alg         TEXT NOT NULL,            -- hmac-sha256 | ed25519
    public_key  TEXT,                     -- ed25519: SPKI PEM
    secret_plaintext BLOB,                -- hmac-sha256 before sealing existed; sealed into secret_sealed (a later migration) at the next start
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
  );
  CREATE INDEX IF NOT EXISTS signing_keys_by_user ON signing_keys (username);
  CREATE TABLE IF NOT EXISTS signature_nonces (
    keyid       TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,         -- unix seconds; after it the signature is too old to replay anyway
    PRIMARY KEY (keyid, nonce)
  );
  CREATE INDEX IF NOT EXISTS signature_nonces_by_expiry ON signature_nonces (expires_at);
`;

/**
 * HMAC signing secrets sealed with the server's age key ring (issue 9,
 * finding 10). Rows written before it keep `secret_plaintext` until the
 * server's next start seals them and blanks the plaintext (IdentityStore.sealSecrets).
 */
export const SEALED_SECRETS_SCHEMA = `
  ALTER TABLE signing_keys ADD COLUMN secret_sealed TEXT;
`;

/**
 * Things that happened once and must never happen again, by name. The
 * bootstrap admin is created on the first start only: a server that already
 * has users made it before this table existed.
 */
export const IDENTITY_FLAGS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS server_flags (
    name        TEXT PRIMARY KEY,
    set_at      INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO server_flags (name, set_at)
    SELECT 'bootstrap-admin-created', CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE EXISTS (SELECT 1 FROM users);
`;
