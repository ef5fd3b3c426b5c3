import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KeyRing, decrypt, openSecret, parseIdentityFile, sealSecret } from '../../src/security/encryption/index.ts';
import { ArtifactStore } from '../../src/supply-chain/artifacts.ts';
import { packDirectory } from '../../src/supply-chain/pack.ts';
import { requireTool } from '../support/tools.ts';

const withAge = requireTool('age', 'age-keygen');

let dir = '';
let ring: KeyRing;
let store: ArtifactStore;
let tarball: Buffer;
const path = (name: string): string => join(dir, name);

/** Runs an age tool in the temp dir and returns its stdout as bytes. */
function run(tool: 'age' | 'age-keygen', args: string[], input?: Uint8Array | string): Buffer {
  const result = spawnSync(tool, args, { cwd: dir, input, timeout: 60_000 });
  if (result.error) throw result.error;
  expect(result.status, `${tool} ${args.join(' ')}: ${result.stderr.toString()}`).toBe(0);
  return result.stdout;
}

withAge.describe("age interop: cutover and Debian's age read each other's files", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cutover-age-'));
    mkdirSync(path('service'));
    writeFileSync(path('service/server.js'), "console.log('hello from v1');\n");
    writeFileSync(path('service/package.json'), '{ "name": "hello", "version": "1.0.0" }\n');
    tarball = await packDirectory(path('service'));
    ring = await KeyRing.open(path('data/keys'));
    store = new ArtifactStore(path('data/artifacts'), ring);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('put accepts an artifact encrypted with `age -r <server recipient>` and unpacks it to the same files', async () => {
    writeFileSync(path('hello.tar.gz'), tarball);
    run('age', ['-r', store.recipient(), '-o', 'hello.tar.gz.age', 'hello.tar.gz']);
    const { digest, size } = await store.put(readFileSync(path('hello.tar.gz.age')));
    expect(size).toBe(tarball.length);
    expect(digest).toBe((await store.put(tarball)).digest);

    await store.unpack(digest, path('instance'));
    expect(readFileSync(path('instance/server.js'), 'utf8')).toBe("console.log('hello from v1');\n");
    expect(readFileSync(path('instance/package.json'), 'utf8')).toContain('"version": "1.0.0"');
  });

  it('put accepts the armored output of `age -a -r` too', async () => {
    const armored = run('age', ['-a', '-r', store.recipient()], tarball);
    expect(armored.toString('utf8')).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);
    expect((await store.put(armored)).size).toBe(tarball.length);
  });

  it('`age -d -i` with the server key file decrypts an export to the exact original tar.gz', async () => {
    const { digest } = await store.put(tarball);
    writeFileSync(path('export.age'), await store.export(digest));
    const keyFile = path(`data/keys/identity-${ring.current().id}.age-key`);
    expect(run('age', ['-d', '-i', keyFile, 'export.age']).equals(tarball)).toBe(true);
  });

  it('`age -d -i` with a key from age-keygen decrypts an export to its public key', async () => {
    const { digest } = await store.put(tarball);
    run('age-keygen', ['-o', 'operator.key']);
    const operator = run('age-keygen', ['-y', 'operator.key']).toString('utf8').trim();
    writeFileSync(path('export-operator.age'), await store.export(digest, operator));
    expect(run('age', ['-d', '-i', 'operator.key', 'export-operator.age']).equals(tarball)).toBe(true);
    // And cutover reads the age-keygen file the same way.
    const identities = parseIdentityFile(readFileSync(path('operator.key'), 'utf8'));
    expect(Buffer.from(await decrypt(readFileSync(path('export-operator.age')), identities)).equals(tarball)).toBe(true);
  });

  it('a sealed secret opens with `age -d`, and a secret sealed with `age -a -r` opens with openSecret', async () => {
    const sealed = await sealSecret('postgres://app:s3cret@db/prod', ring.current().recipient);
    writeFileSync(path('secret.age'), sealed);
    const keyFile = path(`data/keys/identity-${ring.current().id}.age-key`);
    expect(run('age', ['-d', '-i', keyFile, 'secret.age']).toString('utf8')).toBe('postgres://app:s3cret@db/prod');

    const byTool = run('age', ['-a', '-r', ring.current().recipient], 'token-from-the-cli').toString('utf8');
    expect(await openSecret(byTool, ring.identities())).toBe('token-from-the-cli');
  });

  it('after a rotation and reencryptAll, only the new key file decrypts an export', async () => {
    const { digest } = await store.put(tarball);
    const old = ring.current();
    await ring.rotate();
    expect((await store.reencryptAll()).failed).toEqual([]);
    await ring.retire(old.id, [store]);
    writeFileSync(path('after-rotation.age'), await store.export(digest));
    expect(run('age', ['-d', '-i', path(`data/keys/identity-${ring.current().id}.age-key`), 'after-rotation.age']).equals(tarball)).toBe(true);
    writeFileSync(path('old.key'), `${old.identity}\n`);
    const refused = spawnSync('age', ['-d', '-i', 'old.key', 'after-rotation.age'], { cwd: dir });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.toString()).toMatch(/no identity matched any of the recipients/);
  });
});
