import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create } from 'tar';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/errors.ts';
import { KeyRing, decrypt, encrypt } from '../security/encryption/index.ts';
import { ArtifactStore } from './artifacts.ts';
import { tarGz, type TarEntry } from '../../test/support/fuzz/tar.ts';

const MARKER = 'CUTOVER-PLAINTEXT-MARKER';
let root = '';

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cutover-artifacts-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A tar.gz of one file, uncompressed inside the gzip so the marker is visible in its bytes. */
async function tarball(version: string): Promise<Buffer> {
  const source = mkdtempSync(join(root, 'source-'));
  writeFileSync(join(source, 'server.js'), `// ${MARKER} ${version}\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of create({ gzip: { level: 0 }, cwd: source, portable: true, mtime: new Date(0) }, ['.'])) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const storedPath = (digest: string): string => join(root, 'artifacts', 'sha256', `${digest}.tar.gz.age`);
const keyRecord = (digest: string): string => readFileSync(join(root, 'artifacts', 'sha256', `${digest}.key`), 'utf8').trim();

async function encryptedStore(): Promise<{ ring: KeyRing; store: ArtifactStore }> {
  const ring = await KeyRing.open(join(root, 'keys'));
  return { ring, store: new ArtifactStore(join(root, 'artifacts'), ring) };
}

async function unpacked(store: ArtifactStore, digest: string): Promise<string> {
  const dest = join(root, 'instances', `${digest.slice(0, 12)}-${Math.random()}`);
  await store.unpack(digest, dest);
  return readFileSync(join(dest, 'server.js'), 'utf8');
}

function everyStoredByte(): string {
  const dir = join(root, 'artifacts', 'sha256');
  return readdirSync(dir).map((name) => readFileSync(join(dir, name), 'latin1')).join('');
}

describe('ArtifactStore with a key ring', () => {
  it('stores the artifact encrypted: no file on disk contains its plaintext', async () => {
    const { ring, store } = await encryptedStore();
    const data = await tarball('1.0.0');
    expect(data.toString('latin1')).toContain(MARKER);
    const { digest } = await store.put(data);
    expect(readFileSync(storedPath(digest), 'latin1').startsWith('age-encryption.org/v1\n')).toBe(true);
    expect(everyStoredByte()).not.toContain(MARKER);
    expect(keyRecord(digest)).toBe(ring.current().id);
  });

  it('the digest and size are those of the plaintext tar.gz, and unpack gives back its files', async () => {
    const { store } = await encryptedStore();
    const data = await tarball('1.0.0');
    expect(await store.put(data)).toEqual({ digest: sha256(data), size: data.length });
    expect(await store.has(sha256(data))).toBe(true);
    expect(await unpacked(store, sha256(data))).toBe(`// ${MARKER} 1.0.0\n`);
  });

  it('accepts an upload already encrypted to this server, under the digest of its plaintext', async () => {
    const { store } = await encryptedStore();
    const data = await tarball('1.0.0');
    const result = await store.put(await encrypt(data, [store.recipient()]));
    expect(result).toEqual({ digest: sha256(data), size: data.length });
    expect(await unpacked(store, result.digest)).toContain('1.0.0');
  });

  it('refuses an upload encrypted to another key, saying what to encrypt to', async () => {
    const { store } = await encryptedStore();
    const elsewhere = await identityToRecipient(await generateX25519Identity());
    const failure = await store.put(await encrypt(await tarball('1.0.0'), [elsewhere])).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.InvalidRequest });
    expect((failure as Error).message).toBe(
      "this artifact is encrypted to a key this server does not hold (age: no identity matched any of the file's recipients); " +
        `encrypt to this server's recipient: \`cutover artifact recipient\` (${store.recipient()})`,
    );
  });

  it('refuses an upload that is not a tar.gz once decrypted', async () => {
    const { store } = await encryptedStore();
    await expect(store.put(await encrypt(new TextEncoder().encode('hello'), [store.recipient()]))).rejects.toThrow(
      'the artifact must be a gzipped tar (tar.gz) once decrypted',
    );
  });

  it('after a rotation, artifacts encrypted to the old key still unpack and new ones use the new key', async () => {
    const { ring, store } = await encryptedStore();
    const old = await store.put(await tarball('1.0.0'));
    const rotated = await ring.rotate();
    const fresh = await store.put(await tarball('2.0.0'));
    expect(store.recipient()).toBe(rotated.recipient);
    expect(keyRecord(old.digest)).toBe('1');
    expect(keyRecord(fresh.digest)).toBe('2');
    expect(await unpacked(store, old.digest)).toContain('1.0.0');
    expect(await unpacked(store, fresh.digest)).toContain('2.0.0');
    expect(await store.keyUsage()).toEqual(new Map([['1', 1], ['2', 1]]));
  });

  it('reencryptAll moves every artifact to the current key, after which the old key can be retired', async () => {
    const { ring, store } = await encryptedStore();
    const digests = [(await store.put(await tarball('1.0.0'))).digest, (await store.put(await tarball('1.1.0'))).digest];
    await ring.rotate();
    await expect(ring.retire('1', [store])).rejects.toThrow('key 1 still encrypts 2 artifacts');

    expect(await store.reencryptAll()).toEqual({ key: '2', reencrypted: 2, unchanged: 0, failed: [] });
    expect(digests.map(keyRecord)).toEqual(['2', '2']);
    expect(everyStoredByte()).not.toContain(MARKER);
    await ring.retire('1', [store]);

    const restarted = new ArtifactStore(join(root, 'artifacts'), await KeyRing.open(join(root, 'keys')));
    expect(await unpacked(restarted, digests[0]!)).toContain('1.0.0');
    expect(await unpacked(restarted, digests[1]!)).toContain('1.1.0');
    expect(await restarted.reencryptAll()).toEqual({ key: '2', reencrypted: 0, unchanged: 2, failed: [] });
  });

  it('an unpack during reencryptAll always reads a whole file', async () => {
    const { ring, store } = await encryptedStore();
    const digests: string[] = [];
    for (let i = 0; i < 6; i++) digests.push((await store.put(await tarball(`1.0.${i}`))).digest);
    await ring.rotate();
    let done = false;
    const moving = store.reencryptAll().finally(() => (done = true));
    let reads = 0;
    while (!done || reads < digests.length) {
      const i = reads++ % digests.length;
      expect(await unpacked(store, digests[i]!)).toContain(`1.0.${i}`);
    }
    expect((await moving).reencrypted).toBe(6);
  });

  it('reencryptAll encrypts artifacts stored in plaintext before the server had a key ring', async () => {
    const data = await tarball('0.9.0');
    const { digest } = await new ArtifactStore(join(root, 'artifacts')).put(data);
    expect(existsSync(join(root, 'artifacts', 'sha256', `${digest}.tar.gz`))).toBe(true);

    const { store } = await encryptedStore();
    expect(await unpacked(store, digest)).toContain('0.9.0');
    expect(await store.reencryptAll()).toMatchObject({ reencrypted: 1, failed: [] });
    expect(readdirSync(join(root, 'artifacts', 'sha256')).sort()).toEqual([`${digest}.key`, `${digest}.tar.gz.age`]);
    expect(everyStoredByte()).not.toContain(MARKER);
    expect(await unpacked(store, digest)).toContain('0.9.0');
  });

  it('export encrypts to the recipient asked for, by default this server’s, giving back the exact tar.gz', async () => {
    const { ring, store } = await encryptedStore();
    const data = await tarball('1.0.0');
    const { digest } = await store.put(data);
    const operator = await generateX25519Identity();
    const exported = await store.export(digest, await identityToRecipient(operator));
    expect(Buffer.from(await decrypt(exported, [operator]))).toEqual(data);
    expect(Buffer.from(await decrypt(await store.export(digest), [ring.current().identity]))).toEqual(data);
  });

  it('a stored artifact whose key is gone fails to unpack with what to do, and leaves nothing behind', async () => {
    const { store } = await encryptedStore();
    const { digest } = await store.put(await tarball('1.0.0'));
    rmSync(join(root, 'keys'), { recursive: true });
    const stranger = new ArtifactStore(join(root, 'artifacts'), await KeyRing.open(join(root, 'keys')));
    const dest = join(root, 'instances', 'web');
    const failure = await stranger.unpack(digest, dest).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.Internal });
    expect((failure as Error).message).toMatch(
      /^stored artifact sha256:[0-9a-f]{64} is encrypted to a key this server does not hold \(age: .*\); restore the retired key into .* from a backup, or delete .* and apply the spec again to upload it$/,
    );
    expect(existsSync(`${dest}.unpacking`)).toBe(false);
    expect(existsSync(dest)).toBe(false);
  });

  it('a damaged stored artifact fails to unpack, keeps the instance folder, and reencryptAll reports it and goes on', async () => {
    const { ring, store } = await encryptedStore();
    const damaged = (await store.put(await tarball('1.0.0'))).digest;
    const intact = (await store.put(await tarball('1.1.0'))).digest;
    const bytes = readFileSync(storedPath(damaged));
    bytes[bytes.length - 20]! ^= 1;
    writeFileSync(storedPath(damaged), bytes);
    const dest = join(root, 'instances', 'web');
    mkdirSync(dest, { recursive: true });
    writeFileSync(join(dest, 'running.txt'), 'yes');

    await expect(store.unpack(damaged, dest)).rejects.toThrow(/is not a valid age file or was damaged .*; delete .* and apply the spec again/);
    expect(readFileSync(join(dest, 'running.txt'), 'utf8')).toBe('yes');
    expect(existsSync(`${dest}.unpacking`)).toBe(false);

    await ring.rotate();
    const result = await store.reencryptAll();
    expect(result).toMatchObject({ reencrypted: 1, failed: [{ digest: damaged }] });
    expect(keyRecord(intact)).toBe('2');
    await expect(ring.retire('1', [store])).rejects.toThrow('key 1 still encrypts 1 artifacts');
    expect(readdirSync(join(root, 'artifacts', 'sha256')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('an artifact without its key record counts against every key until reencryptAll records it', async () => {
    const { ring, store } = await encryptedStore();
    const { digest } = await store.put(await tarball('1.0.0'));
    await ring.rotate();
    rmSync(join(root, 'artifacts', 'sha256', `${digest}.key`));
    expect(await store.keyUsage()).toEqual(new Map([['2', 1], ['1', 1]]));
    await store.reencryptAll();
    expect(await store.keyUsage()).toEqual(new Map([['2', 1]]));
  });
});

describe('ArtifactStore without a key ring', () => {
  it('stores plaintext by digest, as before encryption existed', async () => {
    const store = new ArtifactStore(join(root, 'artifacts'));
    const data = await tarball('1.0.0');
    const { digest } = await store.put(data);
    expect(readFileSync(join(root, 'artifacts', 'sha256', `${digest}.tar.gz`))).toEqual(data);
    expect(await unpacked(store, digest)).toContain('1.0.0');
    expect(await store.put(data)).toEqual({ digest, size: data.length });
  });

  it('refuses an encrypted upload and says what to send instead', async () => {
    const store = new ArtifactStore(join(root, 'artifacts'));
    const recipient = await identityToRecipient(await generateX25519Identity());
    await expect(store.put(await encrypt(await tarball('1.0.0'), [recipient]))).rejects.toThrow(
      'this artifact is age-encrypted, but this server stores artifacts without a key ring; upload the plain tar.gz',
    );
    expect(() => store.recipient()).toThrow('it was started without a key ring');
  });

  // Found by the fuzz suite (test/support/fuzz/artifact-target.ts): tar's own error escaped, with no code a caller could map.
  it('refuses an archive that is not a readable tar (a header whose size outruns the data) with what to do, leaving nothing behind', async () => {
    const store = new ArtifactStore(join(root, 'artifacts'));
    const header = Buffer.alloc(512);
    header.write('big-file', 0);
    header.write('00000000644\0', 100);
    header.write('77777777777\0', 124); // the size: 8 GiB, with no data after it
    header.write('        ', 148);
    header.write('0', 156);
    header.write(header.reduce((sum, byte) => sum + byte, 0).toString(8).padStart(6, '0') + '\0 ', 148);
    const { digest } = await store.put(gzipSync(header));
    await expect(store.unpack(digest, join(root, 'x'))).rejects.toMatchObject({ code: ErrorCode.InvalidRequest, message: expect.stringMatching(/is not a readable tar\.gz .*cutover artifact pack/) });
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(existsSync(join(root, 'x.unpacking'))).toBe(false);
  });

  // Found by the fuzz suite: tar (7.5) never finished unpacking a hard link to its own parent folder, so the unpack hung.
  it('refuses a hard link that does not name a file earlier in the archive, instead of hanging', async () => {
    const store = new ArtifactStore(join(root, 'artifacts'));
    const { digest } = await store.put(tarGz([{ path: 'a/b', type: '1', mode: 0o644, linkpath: 'a' }]));
    await expect(store.unpack(digest, join(root, 'x'))).rejects.toThrow('its hard link a/b points to a, which is not a file earlier in the archive');
    const linked = await store.put(tarGz([{ path: 'a/f', type: '0', mode: 0o644, content: Buffer.from('hi') }, { path: 'a/g', type: '1', mode: 0o644, linkpath: './a/f' }]));
    await store.unpack(linked.digest, join(root, 'y'));
    expect(readFileSync(join(root, 'y', 'a', 'g'), 'utf8')).toBe('hi');
  });

  it('unpacks no setuid, setgid or sticky bit and none of the archive\'s owners, whatever its headers say', async () => {
    const store = new ArtifactStore(join(root, 'artifacts'));
    const owned = (entry: TarEntry): TarEntry => ({ ...entry, uid: 4242, gid: 4243 });
    const { digest } = await store.put(
      tarGz([
        owned({ path: 'bin', type: '5', mode: 0o3777 }),
        owned({ path: 'bin/su', type: '0', mode: 0o4755, content: Buffer.from('#!/bin/sh\n') }),
        owned({ path: 'bin/sg', type: '0', mode: 0o2755, content: Buffer.from('#!/bin/sh\n') }),
        owned({ path: 'all', type: '0', mode: 0o7777, content: Buffer.from('x') }),
      ]),
    );
    await store.unpack(digest, join(root, 'x'));
    for (const path of ['bin', 'bin/su', 'bin/sg', 'all']) {
      const stat = statSync(join(root, 'x', path));
      expect(stat.mode & 0o7000, `${path} is ${(stat.mode & 0o7777).toString(8)}`).toBe(0);
      expect([stat.uid, stat.gid], path).toEqual([process.getuid!(), process.getgid!()]);
    }
  });

  it('refuses an archive that unpacks past the absolute size cap, saying what to do, and leaves nothing behind', async () => {
    const store = new ArtifactStore(join(root, 'artifacts'), undefined, { bytes: 1024 * 1024, entries: 100 });
    const chunk = Buffer.alloc(400 * 1024, 7);
    const { digest } = await store.put(tarGz(['a', 'b', 'c'].map((path) => ({ path, type: '0', mode: 0o644, content: chunk }))));
    await expect(store.unpack(digest, join(root, 'x'))).rejects.toMatchObject({ code: ErrorCode.InvalidRequest, message: expect.stringMatching(/cannot be unpacked: it unpacks to more than 1 MiB; make the artifact smaller/) });
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(existsSync(join(root, 'x.unpacking'))).toBe(false);
    const many = await store.put(tarGz(Array.from({ length: 101 }, (_, i) => ({ path: `f${i}`, type: '0', mode: 0o644, content: Buffer.from('.') }))));
    await expect(store.unpack(many.digest, join(root, 'y'))).rejects.toThrow('it holds more than 100 files');
  });

  it('an artifact that was never stored is reported missing', async () => {
    const store = new ArtifactStore(join(root, 'artifacts'));
    await expect(store.unpack('a'.repeat(64), join(root, 'x'))).rejects.toMatchObject({ code: ErrorCode.ArtifactMissing });
    await expect(store.has('not-a-digest')).rejects.toThrow('artifact digest must be 64 hex characters');
  });
});

describe('ArtifactStore uploads as streams', () => {
  const files = (dir: string) => (existsSync(join(root, 'artifacts', dir)) ? readdirSync(join(root, 'artifacts', dir)) : []);

  it('stores a streamed upload under the digest and size it measured, the same as a whole one', async () => {
    const { store } = await encryptedStore();
    const data = await tarball('1.0.0');
    const pieces = [data.subarray(0, 1), data.subarray(1, 100), data.subarray(100)];
    const { Readable } = await import('node:stream');
    expect(await store.putStream(Readable.from(pieces))).toEqual({ digest: sha256(data), size: data.length });
    expect(await unpacked(store, sha256(data))).toContain('1.0.0');
    expect(await store.sizeOf(sha256(data))).toBeGreaterThanOrEqual(data.length);
    expect(files('uploads')).toEqual([]);
  });

  it('keeps nothing when the upload fails mid-stream (a body over its limit)', async () => {
    const { store } = await encryptedStore();
    const data = await tarball('1.0.0');
    const { Readable } = await import('node:stream');
    const failing = Readable.from(
      (async function* () {
        yield data.subarray(0, 10);
        throw new Error('the request body is larger than the limit');
      })(),
    );
    await expect(store.putStream(failing)).rejects.toThrow('larger than the limit');
    expect(files('uploads')).toEqual([]);
    expect(files('sha256')).toEqual([]);
  });

  it('prunes stored artifacts nothing uses once old enough, never one in use, and not one uploaded again since', async () => {
    const { store } = await encryptedStore();
    const [used, unused, again] = await Promise.all(['1', '2', '3'].map(async (v) => (await store.put(await tarball(v))).digest));
    expect(await store.pruneUnused(() => false, 60_000)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.put(await tarball('3'));
    const removed = await store.pruneUnused((digest) => digest === used, 40);
    expect(removed).toEqual([unused]);
    expect(await store.has(used!)).toBe(true);
    expect(await store.has(unused!)).toBe(false);
    expect(await store.has(again!)).toBe(true);
  });
});
