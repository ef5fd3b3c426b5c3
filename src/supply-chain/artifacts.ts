import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { x as extract } from 'tar';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { sha256 } from './pack.ts';

const DIGEST = /^[a-f0-9]{64}$/;

/** Artifacts stored by content: `<dir>/sha256/<digest>.tar.gz`. */
export class ArtifactStore {
  constructor(private readonly dir: string) {}

  private pathOf(digest: string): string {
    if (!DIGEST.test(digest)) throw new CutoverError(ErrorCode.InvalidRequest, `artifact digest must be 64 hex characters, got "${digest}"`);
    return join(this.dir, 'sha256', `${digest}.tar.gz`);
  }

  /** Stores bytes and returns their SHA-256; storing the same bytes twice is a no-op. */
  async put(data: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256(data);
    const target = this.pathOf(digest);
    if (!(await this.has(digest))) {
      await mkdir(join(this.dir, 'sha256'), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      await writeFile(temp, data, { mode: 0o600, flush: true });
      await rename(temp, target);
    }
    return { digest, size: data.length };
  }

  async has(digest: string): Promise<boolean> {
    return (await stat(this.pathOf(digest)).catch(() => null))?.isFile() ?? false;
  }

  /** Unpacks an artifact into `dest` (replacing what is there), through a temporary folder so a crash never leaves half a tree. */
  async unpack(digest: string, dest: string): Promise<void> {
    if (!(await this.has(digest))) {
      throw new CutoverError(ErrorCode.ArtifactMissing, `artifact sha256:${digest} is no longer stored; apply the spec again to upload it`, {
        context: { digest },
      });
    }
    const temp = `${dest}.unpacking`;
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    await pipeline(createReadStream(this.pathOf(digest)), extract({ cwd: temp, strict: true }));
    await rm(dest, { recursive: true, force: true });
    await rename(temp, dest);
  }
}
