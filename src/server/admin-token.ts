import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the first start writes the admin token (mode 0600). */
export function adminTokenPath(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

/** Reads the admin token, creating it on first start. */
export function ensureAdminToken(dataDir: string): string {
  return readAdminToken(dataDir) ?? createAdminToken(dataDir);
}

/** The admin-token file's token, or undefined once an operator deleted the file. */
export function readAdminToken(dataDir: string): string | undefined {
  const file = adminTokenPath(dataDir);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function createAdminToken(dataDir: string): string {
  const token = `cut_${randomBytes(32).toString('base64url')}`;
  writeFileSync(adminTokenPath(dataDir), `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}
