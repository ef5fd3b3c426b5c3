import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The environment variable every instance carries: this server's opaque mark, nothing about where it keeps data. */
export const MARK_VARIABLE = 'CUTOVER_MARK';

/**
 * An opaque random mark for this server's instances, kept in the data dir so
 * a restarted server recognises (adopts) what it started. It replaces the
 * data dir's path, which told every instance where the secrets are.
 */
export function serverMark(dataDir: string): string {
  const file = join(dataDir, 'instance-mark');
  try {
    const mark = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{32}$/.test(mark)) return mark;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const mark = randomBytes(16).toString('hex');
  writeFileSync(file, `${mark}\n`, { mode: 0o600 });
  return mark;
}
