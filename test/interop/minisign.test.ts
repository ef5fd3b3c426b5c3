import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  generateMinisignKeyPair,
  parseMinisignPublicKey,
  parseMinisignSecretKey,
  signMinisign,
  verifyMinisign,
} from '../../src/supply-chain/minisign/index.ts';
import { requireTool } from '../support/tools.ts';

const withMinisign = requireTool('minisign');

let dir = '';
const path = (name: string): string => join(dir, name);

/** Runs minisign in the temp dir; `input` answers its password prompts. */
function minisign(args: string[], input = ''): { status: number | null; output: string } {
  const run = spawnSync('minisign', args, { cwd: dir, input, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A key pair made by the tool, without a password. */
function toolKeyPair(name: string): { publicKeyFile: string; secretKeyFile: string } {
  const made = minisign(['-G', '-W', '-p', `${name}.pub`, '-s', `${name}.key`]);
  expect(made.status, made.output).toBe(0);
  return { publicKeyFile: path(`${name}.pub`), secretKeyFile: path(`${name}.key`) };
}

withMinisign.describe('minisign interop: cutover and Debian\'s minisign read each other\'s files', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cutover-minisign-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies what `minisign -S` signed, and says the artifact was modified when it was', () => {
    const keys = toolKeyPair('release');
    writeFileSync(path('web-1.2.3.tar.gz'), 'pretend this is a tarball\n');
    const signed = minisign(['-S', '-s', keys.secretKeyFile, '-m', 'web-1.2.3.tar.gz']);
    expect(signed.status, signed.output).toBe(0);

    const trusted = parseMinisignPublicKey(readFileSync(keys.publicKeyFile, 'utf8'));
    const signature = readFileSync(path('web-1.2.3.tar.gz.minisig'), 'utf8');
    const result = verifyMinisign(readFileSync(path('web-1.2.3.tar.gz')), signature, [trusted]);
    expect(result).toMatchObject({ ok: true, keyId: trusted.keyId });
    expect(result.ok && result.trustedComment).toMatch(/^timestamp:\d+\tfile:web-1\.2\.3\.tar\.gz\thashed$/);

    writeFileSync(path('web-1.2.3.tar.gz'), 'pretend this is a tarball, with a backdoor\n');
    expect(verifyMinisign(readFileSync(path('web-1.2.3.tar.gz')), signature, [trusted])).toEqual({
      ok: false,
      reason: 'bad-signature',
      message: `the artifact was modified after it was signed: its signature by key ${trusted.keyId} does not match its contents`,
    });
  });

  it('refuses a signature by a key the environment does not trust, naming both', () => {
    const trusted = parseMinisignPublicKey(readFileSync(toolKeyPair('trusted').publicKeyFile, 'utf8'));
    const stranger = toolKeyPair('stranger');
    writeFileSync(path('api.tar.gz'), 'api\n');
    expect(minisign(['-S', '-s', stranger.secretKeyFile, '-m', 'api.tar.gz']).status).toBe(0);
    const strangerId = parseMinisignPublicKey(readFileSync(stranger.publicKeyFile, 'utf8')).keyId;
    const result = verifyMinisign(readFileSync(path('api.tar.gz')), readFileSync(path('api.tar.gz.minisig'), 'utf8'), [trusted], { environment: 'production' });
    expect(result).toMatchObject({ ok: false, reason: 'untrusted-key' });
    expect(!result.ok && result.message).toMatch(new RegExp(`^signed by key ${strangerId}, which is not trusted in environment production; add its public key to`));
  });

  it('writes signatures `minisign -V` accepts, from keys cutover generated', () => {
    const pair = generateMinisignKeyPair();
    writeFileSync(path('ours.pub'), pair.publicKeyText);
    writeFileSync(path('worker.tar.gz'), 'worker\n');
    writeFileSync(path('worker.tar.gz.minisig'), signMinisign(readFileSync(path('worker.tar.gz')), parseMinisignSecretKey(pair.secretKeyText), { trustedComment: 'worker 2.0.0 built by cutover' }));

    const verified = minisign(['-V', '-p', 'ours.pub', '-m', 'worker.tar.gz']);
    expect(verified.output).toContain('Trusted comment: worker 2.0.0 built by cutover');
    expect(verified.status).toBe(0);
    // -H demands the prehashed form, which is what cutover writes.
    expect(minisign(['-V', '-H', '-P', parseMinisignPublicKey(pair.publicKeyText).base64, '-m', 'worker.tar.gz']).status).toBe(0);

    writeFileSync(path('worker.tar.gz'), 'worker, changed\n');
    const refused = minisign(['-V', '-p', 'ours.pub', '-m', 'worker.tar.gz']);
    expect(refused.status).toBe(1);
    expect(refused.output).toContain('Signature verification failed');
  });

  it('signs with a secret key made by `minisign -G -W`, as the tool itself would', () => {
    const keys = toolKeyPair('tool');
    writeFileSync(path('db.tar.gz'), 'db\n');
    writeFileSync(path('db.tar.gz.minisig'), signMinisign(readFileSync(path('db.tar.gz')), parseMinisignSecretKey(readFileSync(keys.secretKeyFile, 'utf8')), { fileName: 'db.tar.gz' }));
    const verified = minisign(['-V', '-p', keys.publicKeyFile, '-m', 'db.tar.gz']);
    expect(verified.status, verified.output).toBe(0);
  });

  it('verifies a legacy signature from `minisign -S -l`, and minisign verifies cutover\'s legacy ones', () => {
    const keys = toolKeyPair('legacy');
    const trusted = parseMinisignPublicKey(readFileSync(keys.publicKeyFile, 'utf8'));
    writeFileSync(path('old.tar.gz'), 'old\n');
    const signed = minisign(['-S', '-l', '-s', keys.secretKeyFile, '-m', 'old.tar.gz']);
    expect(signed.status, signed.output).toBe(0);
    const signature = readFileSync(path('old.tar.gz.minisig'), 'utf8');
    expect(signature.split('\n')[1]?.slice(0, 2)).toBe('RW'); // "Ed": the legacy form
    expect(verifyMinisign(readFileSync(path('old.tar.gz')), signature, [trusted])).toMatchObject({ ok: true, keyId: trusted.keyId });

    writeFileSync(path('old.tar.gz.minisig'), signMinisign(readFileSync(path('old.tar.gz')), parseMinisignSecretKey(readFileSync(keys.secretKeyFile, 'utf8')), { legacy: true }));
    expect(minisign(['-V', '-p', keys.publicKeyFile, '-m', 'old.tar.gz']).status).toBe(0);
    expect(minisign(['-V', '-H', '-p', keys.publicKeyFile, '-m', 'old.tar.gz']).status).toBe(1);
  });

  it('checks the BLAKE2b-256 checksum libsodium wrote into a key that had a password', () => {
    // `-G` with a password computes the checksum; `-C -W` removes the password and keeps it.
    // Each step derives scrypt with 1 GiB, which takes a few seconds.
    expect(minisign(['-G', '-p', 'locked.pub', '-s', 'locked.key'], 'pw\npw\n').status).toBe(0);
    expect(() => parseMinisignSecretKey(readFileSync(path('locked.key'), 'utf8'))).toThrow(/encrypted with a password/);
    const unlocked = minisign(['-C', '-W', '-s', 'locked.key'], 'pw\n');
    expect(unlocked.status, unlocked.output).toBe(0);
    const secret = parseMinisignSecretKey(readFileSync(path('locked.key'), 'utf8'));
    expect(secret.publicKey.base64).toBe(parseMinisignPublicKey(readFileSync(path('locked.pub'), 'utf8')).base64);
  });
});
