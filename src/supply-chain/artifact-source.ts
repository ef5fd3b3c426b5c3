import { readFile, stat } from 'node:fs/promises';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { packDirectory } from './pack.ts';

/** What `apply` uploads: the artifact's bytes and, when there is one, its minisign signature. */
export interface ArtifactUpload {
  data: Buffer;
  /** The text of `<file>.minisig`, for an artifact given as a file. */
  signature?: string;
  source: string;
}

/**
 * `artifact.path` is a directory (packed here, deterministically) or a
 * prepared archive: a `.tar.gz` made by `cutover artifact pack` — which can
 * be signed with minisign (`<file>.minisig` beside it) — or an age-encrypted
 * one (`.age`), which the server decrypts with its own key.
 */
export async function readArtifact(path: string): Promise<ArtifactUpload> {
  const info = await stat(path).catch(() => null);
  if (!info) {
    throw new CutoverError(ErrorCode.InvalidSpec, `spec.artifact.path ${path} does not exist; point it at the service's folder or a .tar.gz, relative to the spec file`, {
      problems: [{ path: 'spec.artifact.path', message: `expected a directory or a .tar.gz file, got ${path} which does not exist` }],
    });
  }
  if (info.isDirectory()) return { data: await packDirectory(path), source: path };
  const data = await readFile(path);
  const signature = await readFile(`${path}.minisig`, 'utf8').catch(() => undefined);
  return { data, source: path, ...(signature ? { signature } : {}) };
}
