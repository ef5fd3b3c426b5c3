import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the first start writes the admin token (mode 0600). */
export function adminTokenPath(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

/** Reads the admin token, creating it on first start. */
export function ensureAdminToken(dataDir: string): string {
  const file = adminTokenPath(dataDir);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `cut_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}

/**
 * Checks presented tokens against a hash of the real one: the comparison
 * takes the same time whatever the input, and the server holds no second
 * copy of the token in memory.
 */
export class TokenVerifier {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = createHash('sha256').update(token).digest();
  }

  verify(presented: string): boolean {
    return timingSafeEqual(createHash('sha256').update(presented).digest(), this.expected);
  }
}
