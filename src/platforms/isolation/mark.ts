import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOnce } from '../../core/create-once.ts';

const MARK = /^[0-9a-f]{32}$/;

/** The environment variable every instance carries: this server's opaque mark, nothing about where it keeps data. */
export const MARK_VARIABLE = 'CUTOVER_MARK';

/**
 * An opaque random mark for this server's instances, kept in the data dir so
 * a restarted server recognises (adopts) what it started. It replaces the
 * data dir's path, which told every instance where the secrets are.
 */
export function serverMark(dataDir: string): string {
  const file = join(dataDir, 'instance-mark');
  const fresh = `${randomBytes(16).toString('hex')}\n`;
  let found: string;
  try {
    found = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Replicas started together each try: the first one's mark is every one's (or a replica could not adopt the others' instances).
    found = createOnce(file, fresh).trim();
  }
  if (MARK.test(found)) return found;
  writeFileSync(file, fresh, { mode: 0o600 });
  return fresh.trim();
}
