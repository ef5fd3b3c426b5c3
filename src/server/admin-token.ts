import { randomBytes } from 'node:crypto';
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
