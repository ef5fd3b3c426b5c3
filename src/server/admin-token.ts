import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOnce } from '../core/create-once.ts';

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

/** Replicas started together each try: the first one's token is every one's. */
function createAdminToken(dataDir: string): string {
  return createOnce(adminTokenPath(dataDir), `cut_${randomBytes(32).toString('base64url')}\n`).trim();
}
