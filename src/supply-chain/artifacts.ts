import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { x as extract } from 'tar';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import type { AgeKey, KeyRing, KeyUser } from '../security/encryption/index.ts';
import { decrypt, decryptFailureOf, decryptStream, encrypt, encryptStream, isAgeEncrypted } from '../security/encryption/index.ts';

const DIGEST = /^[a-f0-9]{64}$/;
const STORED = /^([a-f0-9]{64})\.tar\.gz(\.age)?$/;
const PLAIN = '.tar.gz';
const ENCRYPTED = '.tar.gz.age';
const KEY_RECORD = '.key';
/** Where uploads are received before their digest is known: `<dir>/uploads/`. */
const UPLOADS = 'uploads';
/** An artifact may unpack to at most this much (a gzip bomb stops here), in at most this many entries. */
export const MAX_UNPACKED_BYTES = 4 * 1024 * 1024 * 1024;
export const MAX_UNPACKED_ENTRIES = 200_000;

/** What `reencryptAll` did: artifacts it moved to `key`, those already there, and those it could not read. */
export interface ReencryptResult {
  key: string;
  reencrypted: number;
  unchanged: number;
  failed: Array<{ digest: string; message: string }>;
}

/** An open stored file: holding it open keeps it readable while `reencryptAll` replaces it. */
interface StoredFile {
  handle: FileHandle;
  encrypted: boolean;
}

/**
 * Artifacts stored by the SHA-256 of their plaintext tar.gz (the digest users
 * see), encrypted at rest to the key ring's current key:
 *
 *     <dir>/sha256/<digest>.tar.gz.age   the tar.gz in the binary age format
 *     <dir>/sha256/<digest>.key          the id of the key it is encrypted to
 *     <dir>/sha256/<digest>.tar.gz       plaintext: from a store without a key ring, or
 *                                        from before encryption (reencryptAll encrypts it)
 */
export class ArtifactStore implements KeyUser {
  readonly encrypts = 'artifacts';

  /** Without `keys`, artifacts are stored in plaintext. */
  constructor(
    private readonly dir: string,
    private readonly keys?: KeyRing,
    /** What one artifact may unpack to, whatever its archive says. @default MAX_UNPACKED_BYTES and MAX_UNPACKED_ENTRIES */
    private readonly unpackLimits: { bytes: number; entries: number } = { bytes: MAX_UNPACKED_BYTES, entries: MAX_UNPACKED_ENTRIES },
  ) {}

  /**
   * Stores a tar.gz and returns the SHA-256 and size of its plaintext; storing
   * the same artifact twice is a no-op. An upload already encrypted with
   * `age -r <this server's recipient>` is decrypted first.
   */
  async put(upload: Uint8Array): Promise<{ digest: string; size: number }> {
    return await this.putStream(Readable.from([Buffer.from(upload)]));
  }

  /**
   * Stores an upload as it streams in, with flat memory: the bytes go to a
   * temporary file in `<dir>/uploads/` as they arrive (a source that fails —
   * a body over its limit, a bad digest — leaves nothing), then its
   * plaintext is hashed, measured and encrypted to the current key in one
   * pass into a second temporary file, renamed into place once its digest is
   * known. The size returned is the one measured here, never a client's.
   * Storing an artifact again refreshes its time, so an upload about to be
   * applied is not pruned as unused.
   */
  async putStream(source: Readable): Promise<{ digest: string; size: number }> {
    const uploads = join(this.dir, UPLOADS);
    await mkdir(uploads, { recursive: true, mode: 0o700 });
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
    const received = join(uploads, `${randomUUID()}.upload`);
    const stored = join(uploads, `${randomUUID()}.stored`);
    try {
      await pipeline(source, createWriteStream(received, { mode: 0o600 }));
      const { plain, decrypted } = await this.plainStreamOf(received);
      const measured = measure(decrypted ? ' once decrypted' : '');
      plain.on('error', (error) => measured.destroy(error));
      const key = this.keys?.current();
      const output = key ? await encryptStream(plain.pipe(measured), [key.recipient]) : plain.pipe(measured);
      await pipeline(output, createWriteStream(stored, { mode: 0o600, flush: true }));
      const { digest, size } = measured.result();
      if (size === 0) throw new CutoverError(ErrorCode.InvalidRequest, 'the artifact upload was empty; send the tar.gz bytes as the body');
      const final = this.pathOf(digest, key ? ENCRYPTED : PLAIN);
      if (await isFile(final)) {
        const now = new Date();
        await utimes(final, now, now);
      } else {
        await rename(stored, final);
        if (key) {
          await writeAtomically(this.pathOf(digest, KEY_RECORD), `${key.id}\n`);
          await rm(this.pathOf(digest, PLAIN), { force: true });
        }
      }
      return { digest, size };
    } finally {
      await rm(received, { force: true });
      await rm(stored, { force: true });
    }
  }

  /** The plaintext of a received upload as a stream: decrypted on the fly when it is in the binary age format. */
  private async plainStreamOf(received: string): Promise<{ plain: Readable; decrypted: boolean }> {
    const handle = await open(received, 'r');
    const head = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
    if (!isAgeEncrypted(head.subarray(0, bytesRead))) return { plain: createReadStream(received), decrypted: false };
    if (head.subarray(0, bytesRead).toString('latin1').startsWith('age-encryption.org/')) {
      if (!this.keys) await this.decryptUpload(head.subarray(0, bytesRead));
      try {
        return { plain: await decryptStream(createReadStream(received), this.keys!.identities(), { what: 'this artifact' }), decrypted: true };
      } catch (error) {
        throw this.uploadDecryptError(error);
      }
    }
    // ASCII-armoured age (rare; base64, so within the upload limit): decrypted in memory.
    return { plain: Readable.from([Buffer.from(await this.decryptUpload(await readFile(received)))]), decrypted: true };
  }

  /**
   * Stored artifacts no revision uses (`isUsed` says false) that were stored
   * or uploaded again more than `olderThanMs` ago, and temporary upload files
   * as old: removed. Returns the digests removed.
   */
  async pruneUnused(isUsed: (digest: string) => boolean, olderThanMs: number): Promise<string[]> {
    const before = Date.now() - olderThanMs;
    const removed: string[] = [];
    for (const digest of await this.digests()) {
      if (isUsed(digest)) continue;
      const times = await Promise.all([this.pathOf(digest, ENCRYPTED), this.pathOf(digest, PLAIN)].map(async (path) => (await stat(path).catch(() => null))?.mtimeMs ?? 0));
      if (Math.max(...times) > before) continue;
      // Asked again just before removing: a revision made meanwhile keeps its artifact.
      if (isUsed(digest)) continue;
      await this.remove(digest);
      removed.push(digest);
    }
    const uploads = join(this.dir, UPLOADS);
    for (const name of await readdir(uploads).catch(() => [])) {
      const path = join(uploads, name);
      if (((await stat(path).catch(() => null))?.mtimeMs ?? Infinity) <= before) await rm(path, { force: true });
    }
    return removed;
  }

  /** The size of a stored artifact as kept on disk (encrypted: a little above the plaintext), measured here; undefined when not stored. */
  async sizeOf(digest: string): Promise<number | undefined> {
    if (!DIGEST.test(digest)) return undefined;
    for (const path of [this.pathOf(digest, ENCRYPTED), this.pathOf(digest, PLAIN)]) {
      const found = await stat(path).catch(() => null);
      if (found?.isFile()) return found.size;
    }
    return undefined;
  }

  async has(digest: string): Promise<boolean> {
    return (await isFile(this.pathOf(digest, ENCRYPTED))) || (await isFile(this.pathOf(digest, PLAIN)));
  }

  /**
   * Unpacks an artifact into `dest` (replacing what is there), through a
   * temporary folder so a crash never leaves half a tree. An encrypted
   * artifact is decrypted on the way into tar: no plaintext tarball is written.
   */
  async unpack(digest: string, dest: string, prepare?: (unpacked: string) => Promise<void>): Promise<void> {
    const stored = await this.openStored(digest);
    const temp = `${dest}.unpacking`;
    const limit = { bytes: 0, entries: 0, over: '', refused: '' };
    const files = new Set<string>();
    try {
      await rm(temp, { recursive: true, force: true });
      await mkdir(temp, { recursive: true, mode: 0o700 });
      await pipeline(
        await this.readStored(stored, digest),
        extract({
          cwd: temp,
          strict: true,
          // Never the archive's owners, never its setuid, setgid or sticky bits: unpacked as root they would hand them out.
          preserveOwner: false,
          filter: (path, entry) => {
            if ('mode' in entry && typeof entry.mode === 'number') entry.mode &= 0o777;
            // tar never finishes unpacking a hard link to a folder (its own parent, say): a link must name a file unpacked before it.
            const type = 'type' in entry ? entry.type : undefined;
            if (type === 'Link') {
              const target = archivePath(('linkpath' in entry ? entry.linkpath : undefined) ?? '');
              if (!files.has(target)) limit.refused ||= `its hard link ${archivePath(path)} points to ${target || 'nothing'}, which is not a file earlier in the archive`;
            } else if (type === 'File' || type === 'OldFile' || type === 'ContiguousFile') {
              files.add(archivePath(path));
            }
            limit.bytes += entry.size ?? 0;
            limit.entries += 1;
            if (limit.bytes > this.unpackLimits.bytes) limit.over ||= `it unpacks to more than ${sizeText(this.unpackLimits.bytes)}`;
            if (limit.entries > this.unpackLimits.entries) limit.over ||= `it holds more than ${this.unpackLimits.entries} files`;
            return !limit.over && !limit.refused;
          },
        }),
      );
      if (limit.refused) throw new CutoverError(ErrorCode.InvalidRequest, `artifact ${digest} cannot be unpacked: ${limit.refused}; pack it with \`cutover artifact pack\``, { context: { digest } });
      if (limit.over) throw new CutoverError(ErrorCode.InvalidRequest, `artifact ${digest} cannot be unpacked: ${limit.over}; make the artifact smaller (leave out build caches and test data)`, { context: { digest } });
      await prepare?.(temp);
    } catch (error) {
      // tar may still be finishing writes it began before the error: retry while the folder refills.
      await rm(temp, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
      throw archiveFault(error, digest, temp) ?? this.storedError(error, digest);
    } finally {
      await stored.handle.close();
    }
    await rm(dest, { recursive: true, force: true });
    await rename(temp, dest);
  }

  /** The plaintext tar.gz in memory (to verify its signature); decrypted when stored encrypted. */
  async read(digest: string): Promise<Buffer> {
    const stored = await this.openStored(digest);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.readStored(stored, digest)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      throw this.storedError(error, digest);
    } finally {
      await stored.handle.close();
    }
  }

  /** Removes a stored artifact (cleanup keeps those of the last revisions). */
  async remove(digest: string): Promise<void> {
    for (const path of [this.pathOf(digest, ENCRYPTED), this.pathOf(digest, PLAIN), join(this.dir, 'sha256', `${digest}.key`)]) await rm(path, { force: true });
  }

  /** The public key uploads may be encrypted to (`age -r`): the key ring's current recipient (age1…). */
  recipient(): string {
    return this.requireKeys().current().recipient;
  }

  /** The artifact encrypted to `recipient` (default: this server's), so `age -d -i <identity file>` gives back the tar.gz. */
  async export(digest: string, recipient?: string): Promise<Uint8Array> {
    const target = recipient ?? this.recipient();
    const stored = await this.openStored(digest);
    let data: Uint8Array;
    try {
      const bytes = await stored.handle.readFile();
      data = stored.encrypted ? await decrypt(bytes, this.identities(digest), { what: `stored artifact sha256:${digest}` }) : bytes;
    } catch (error) {
      throw this.storedError(error, digest);
    } finally {
      await stored.handle.close();
    }
    return await encrypt(data, [target]);
  }

  /**
   * Re-encrypts every artifact (and encrypts any plaintext one) to the current
   * key, one at a time, each replaced by an atomic rename so a concurrent
   * `unpack` sees the old file or the new one, whole. After a rotation this
   * frees the old keys to be retired, without downtime.
   */
  async reencryptAll(): Promise<ReencryptResult> {
    const key = this.requireKeys().current();
    const result: ReencryptResult = { key: key.id, reencrypted: 0, unchanged: 0, failed: [] };
    for (const digest of await this.digests()) {
      if ((await this.keyOf(digest)) === key.id) {
        result.unchanged++;
        continue;
      }
      try {
        await this.reencrypt(digest, key);
        result.reencrypted++;
      } catch (error) {
        // One unreadable artifact must not stop the others; its key stays in use, so it cannot be retired by mistake.
        result.failed.push({ digest, message: messageOf(error) });
      }
    }
    return result;
  }

  /**
   * How many artifacts each key encrypts. An encrypted artifact with no key
   * record (a crash between writing the two) counts against every key, so no
   * key it may need is retired before `reencryptAll` records it.
   */
  async keyUsage(): Promise<Map<string, number>> {
    const usage = new Map<string, number>();
    const count = (id: string): void => void usage.set(id, (usage.get(id) ?? 0) + 1);
    for (const digest of await this.digests()) {
      if (!(await isFile(this.pathOf(digest, ENCRYPTED)))) continue;
      const id = await this.keyOf(digest);
      if (id !== undefined) count(id);
      else for (const key of this.keys?.all() ?? []) count(key.id);
    }
    return usage;
  }

  private async reencrypt(digest: string, key: AgeKey): Promise<void> {
    const stored = await this.openStored(digest);
    try {
      await this.store(digest, key, await encryptStream(await this.readStored(stored, digest), [key.recipient]));
    } catch (error) {
      throw this.storedError(error, digest);
    } finally {
      await stored.handle.close();
    }
  }

  /**
   * Writes the encrypted artifact, then its key record, then drops any
   * plaintext copy. In this order a crash leaves the record naming the older
   * key (or none), which only keeps that key from being retired too early.
   */
  private async store(digest: string, key: AgeKey, encrypted: Uint8Array | Readable): Promise<void> {
    await writeAtomically(this.pathOf(digest, ENCRYPTED), encrypted);
    await writeAtomically(this.pathOf(digest, KEY_RECORD), `${key.id}\n`);
    await rm(this.pathOf(digest, PLAIN), { force: true });
  }

  private async decryptUpload(upload: Uint8Array): Promise<Uint8Array> {
    if (!this.keys) {
      throw new CutoverError(ErrorCode.InvalidRequest, 'this artifact is age-encrypted, but this server stores artifacts without a key ring; upload the plain tar.gz');
    }
    try {
      return await decrypt(upload, this.keys.identities(), { what: 'this artifact' });
    } catch (error) {
      throw this.uploadDecryptError(error);
    }
  }

  /** An upload this server cannot decrypt: with the recipient to encrypt to when the key is not this server's. */
  private uploadDecryptError(error: unknown): unknown {
    if (decryptFailureOf(error) !== 'key-not-held') return error;
    const hint = `encrypt to this server's recipient: \`cutover artifact recipient\` (${this.recipient()})`;
    return new CutoverError(ErrorCode.InvalidRequest, `${messageOf(error)}; ${hint}`, { cause: error, context: { reason: 'key-not-held' } });
  }

  /** The plaintext tar.gz as a stream; decrypted on the fly when stored encrypted. */
  private async readStored(stored: StoredFile, digest: string): Promise<Readable> {
    const source = stored.handle.createReadStream({ autoClose: false });
    if (!stored.encrypted) return source;
    return await decryptStream(source, this.identities(digest), { what: `stored artifact sha256:${digest}` });
  }

  /** Opens the stored file, encrypted or plain; the handle keeps it readable even if `reencryptAll` replaces it meanwhile. */
  private async openStored(digest: string): Promise<StoredFile> {
    // Looks at the encrypted name again last: reencryptAll may have just moved a plaintext artifact there.
    for (const encrypted of [true, false, true]) {
      const path = encrypted ? this.pathOf(digest, ENCRYPTED) : this.pathOf(digest, PLAIN);
      const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (handle) return { handle, encrypted };
    }
    throw new CutoverError(ErrorCode.ArtifactMissing, `artifact sha256:${digest} is no longer stored; apply the spec again to upload it`, {
      context: { digest },
    });
  }

  /** Turns a decryption failure of a stored file into what the operator can do about it. */
  private storedError(error: unknown, digest: string): unknown {
    const failure = decryptFailureOf(error);
    if (failure === 'key-not-held') {
      return new CutoverError(
        ErrorCode.Internal,
        `${messageOf(error)}; restore the retired key into ${this.keys?.dir} from a backup, or delete ${this.pathOf(digest, ENCRYPTED)} and apply the spec again to upload it`,
        { cause: error, context: { digest } },
      );
    }
    if (failure === 'damaged') {
      return new CutoverError(ErrorCode.Internal, `${messageOf(error)}; delete ${this.pathOf(digest, ENCRYPTED)} and apply the spec again to upload it`, {
        cause: error,
        context: { digest },
      });
    }
    return error;
  }

  private identities(digest: string): string[] {
    if (!this.keys) {
      throw new CutoverError(ErrorCode.Internal, `artifact sha256:${digest} is stored encrypted, but this server was started without its key ring`, {
        context: { digest },
      });
    }
    return this.keys.identities();
  }

  private requireKeys(): KeyRing {
    if (!this.keys) throw new CutoverError(ErrorCode.InvalidRequest, 'this server stores artifacts without encryption: it was started without a key ring');
    return this.keys;
  }

  /** The key an artifact is encrypted to, by its record; undefined for plaintext or a missing record. */
  private async keyOf(digest: string): Promise<string | undefined> {
    if (!(await isFile(this.pathOf(digest, ENCRYPTED)))) return undefined;
    const id = await readFile(this.pathOf(digest, KEY_RECORD), 'utf8').catch(() => '');
    return id.trim() || undefined;
  }

  private async digests(): Promise<string[]> {
    const names = await readdir(join(this.dir, 'sha256')).catch(() => []);
    return [...new Set(names.flatMap((name) => STORED.exec(name)?.[1] ?? []))];
  }

  /** `<dir>/sha256/<digest><suffix>`, once the digest is known to be one. */
  private pathOf(digest: string, suffix: typeof PLAIN | typeof ENCRYPTED | typeof KEY_RECORD): string {
    if (!DIGEST.test(digest)) throw new CutoverError(ErrorCode.InvalidRequest, `artifact digest must be 64 hex characters, got "${digest}"`);
    return join(this.dir, 'sha256', `${digest}${suffix}`);
  }
}

/**
 * A pass-through that hashes and counts the plaintext and refuses anything
 * that does not start as gzip does; `result()` once it has ended.
 */
function measure(decrypted: string): Transform & { result(): { digest: string; size: number } } {
  const notGzip = () => new CutoverError(ErrorCode.InvalidRequest, `the artifact must be a gzipped tar (tar.gz)${decrypted}`);
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (head.length < 2) {
        head = Buffer.concat([head, chunk.subarray(0, 2)]);
        if (head.length >= 2 && (head[0] !== 0x1f || head[1] !== 0x8b)) return done(notGzip());
      }
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (size > 0 && size < 2) return done(notGzip());
      done();
    },
  });
  return Object.assign(stream, { result: () => ({ digest: hash.digest('hex'), size }) });
}

/** Writes a file whole or not at all: readers see the old content or the new, never part. */
async function writeAtomically(path: string, data: Uint8Array | string | Readable): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  try {
    // Not writeFile for a stream: when the stream fails it also raises the error as uncaught.
    if (typeof data === 'string' || data instanceof Uint8Array) await writeFile(temp, data, { mode: 0o600, flush: true });
    else await pipeline(data, createWriteStream(temp, { mode: 0o600, flush: true }));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

/** A path as tar writes it to disk: relative, without "./" or a trailing "/". */
function archivePath(path: string): string {
  return posix.normalize(path.replace(/^\/+/, '')).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** What an archive can make the file system say while it unpacks (a hard link to nothing, a file where a folder was): its fault, not the disk's. */
const ARCHIVE_FS_CODES = new Set(['ENOENT', 'ENOTDIR', 'EEXIST', 'EISDIR', 'ELOOP', 'ENAMETOOLONG', 'EINVAL']);

/**
 * An unpack failure the archive caused — tar's and zlib's own errors
 * (TAR_BAD_ARCHIVE, Z_DATA_ERROR…) and file-system errors about paths inside
 * the folder it unpacks to — as a refusal saying what to do; undefined for
 * anything else (a full disk is not the archive's fault).
 */
function archiveFault(error: unknown, digest: string, temp: string): CutoverError | undefined {
  if (error instanceof CutoverError) return undefined;
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string') return undefined;
  const inside = typeof path === 'string' && path.startsWith(`${temp}/`);
  if (!/^(TAR_|Z_)/.test(code) && !(inside && ARCHIVE_FS_CODES.has(code))) return undefined;
  return new CutoverError(ErrorCode.InvalidRequest, `the artifact sha256:${digest.slice(0, 12)} is not a readable tar.gz (${messageOf(error)}); pack it with \`cutover artifact pack\``, {
    cause: error,
    context: { digest },
  });
}

/** 4 GiB, 512 MiB, 1000 bytes: a limit as people say it. */
function sizeText(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
