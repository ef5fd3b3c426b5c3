import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `content` to `file` (mode 0600) unless it exists, and returns what
 * the file holds: this content, or that of whoever made it first. Replicas
 * started together on one data dir each create its admin token and instance
 * mark at the same instant; all must end up with the same one. The content is
 * written whole to a file of this process's own, then linked into place
 * (atomic, and refused when the name exists), so nobody reads a half-written
 * file or overwrites another's.
 */
export function createOnce(file: string, content: string): string {
  const own = `${file}.${process.pid}.new`;
  writeFileSync(own, content, { mode: 0o600 });
  try {
    linkSync(own, file);
    return content;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(own, { force: true });
  }
}
