import { createHash, randomBytes } from 'node:crypto';

/** Lets scanners (and people) recognise a leaked cutover token. */
export const TOKEN_PREFIX = 'cut_';

/** A new API token: 32 random bytes, base64url, with the prefix. The same form as the server's admin-token file. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What the store keeps instead of the token. A plain SHA-256 is enough here
 * (no salt, no slow hash): the token is 256 random bits, not a password, so
 * there is nothing to guess, and looking a token up by its hash is safe.
 */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
