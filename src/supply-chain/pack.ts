import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { create } from 'tar';
import { CutoverError, ErrorCode } from '../core/errors.ts';

/** Directories never worth shipping. */
const SKIPPED = new Set(['.git', '.cutover', 'node_modules/.cache']);

/** Packs a directory into a gzipped tar, as the bytes `apply` uploads. */
export async function packDirectory(dir: string): Promise<Buffer> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new CutoverError(ErrorCode.InvalidSpec, `artifact.path ${dir} is not a directory: point spec.artifact.path at the service's folder (relative to the spec file)`, {
      problems: [{ path: 'spec.artifact.path', message: `expected a directory, got ${dir}` }],
    });
  }
  const chunks: Buffer[] = [];
  // portable + fixed mtime: the same files always give the same digest.
  const stream = create({ gzip: true, cwd: dir, portable: true, mtime: new Date(0), filter: (path) => !SKIPPED.has(path.replace(/^\.\//, '')) }, ['.']);
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
