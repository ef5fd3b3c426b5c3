import { describe, expect, it } from 'vitest';
import { generateMinisignKeyPair } from './generate.ts';
import { parseMinisignPublicKey, parseMinisignSecretKey } from './keys.ts';
import { ARTIFACT, TOOL_KEY_ID, TOOL_LEGACY_SIGNATURE, TOOL_PUBLIC_KEY, TOOL_SECRET_KEY, TOOL_SIGNATURE } from '../../../test/support/minisign-examples.ts';
import { signMinisign } from './sign.ts';
import { parseMinisignSignature } from './signature-file.ts';
import { verifyMinisign } from './verify.ts';

const toolKey = parseMinisignPublicKey(TOOL_PUBLIC_KEY);
const pair = generateMinisignKeyPair();
const ours = { publicKey: parseMinisignPublicKey(pair.publicKeyText), secretKey: parseMinisignSecretKey(pair.secretKeyText) };
const release = new TextEncoder().encode('the bytes of web-1.2.3.tar.gz');

/** The signature text with one line replaced. */
function withLine(text: string, index: number, line: string): string {
  const lines = text.split('\n');
  lines[index] = line;
  return lines.join('\n');
}

describe('verifyMinisign', () => {
  it('accepts signatures made by the minisign tool, prehashed and legacy', () => {
    expect(verifyMinisign(ARTIFACT, TOOL_SIGNATURE, [toolKey])).toEqual({ ok: true, keyId: TOOL_KEY_ID, trustedComment: 'release 1.2.3 of web' });
    expect(verifyMinisign(ARTIFACT, TOOL_LEGACY_SIGNATURE, [toolKey])).toEqual({ ok: true, keyId: TOOL_KEY_ID, trustedComment: 'release 1.2.3 of web (legacy)' });
  });

  it('says the artifact was modified when its bytes changed after signing', () => {
    const tampered = Uint8Array.from(ARTIFACT);
    tampered[0] = (tampered[0] as number) ^ 1;
    for (const signature of [TOOL_SIGNATURE, TOOL_LEGACY_SIGNATURE]) {
      expect(verifyMinisign(tampered, signature, [toolKey])).toEqual({
        ok: false,
        reason: 'bad-signature',
        message: `the artifact was modified after it was signed: its signature by key ${TOOL_KEY_ID} does not match its contents`,
      });
    }
  });

  it('names the key and the environment when the signer is not trusted there', () => {
    expect(verifyMinisign(ARTIFACT, TOOL_SIGNATURE, [ours.publicKey], { environment: 'production' })).toEqual({
      ok: false,
      reason: 'untrusted-key',
      message: `signed by key ${TOOL_KEY_ID}, which is not trusted in environment production; add its public key to the trusted keys of environment production if that key is yours`,
    });
    expect(verifyMinisign(ARTIFACT, TOOL_SIGNATURE, [], { environment: 'staging', trustedKeysLocation: 'environments/staging.yaml (trustedKeys)' })).toMatchObject({
      message: expect.stringMatching(/add its public key to environments\/staging.yaml \(trustedKeys\) if that key is yours$/),
    });
  });

  it('refuses a trusted comment changed after signing', () => {
    const edited = withLine(TOOL_SIGNATURE, 2, 'trusted comment: release 9.9.9 of web');
    expect(verifyMinisign(ARTIFACT, edited, [toolKey])).toEqual({
      ok: false,
      reason: 'bad-global-signature',
      message: `the trusted comment was changed after signing: the global signature by key ${TOOL_KEY_ID} does not match "release 9.9.9 of web"`,
    });
  });

  it('refuses a signature line swapped between the prehashed and legacy forms', () => {
    // Same key and bytes, but ED ↔ Ed changes what was signed: this must not verify.
    const line = Buffer.from(TOOL_SIGNATURE.split('\n')[1] as string, 'base64');
    line.write('Ed', 0, 'latin1');
    expect(verifyMinisign(ARTIFACT, withLine(TOOL_SIGNATURE, 1, line.toString('base64')), [toolKey])).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('tells a missing signature from a malformed one', () => {
    expect(verifyMinisign(ARTIFACT, undefined, [toolKey], { environment: 'production' })).toEqual({
      ok: false,
      reason: 'missing',
      message: 'the artifact has no minisign signature, and artifacts must be signed to run in environment production; sign it with `minisign -S -m <file>`',
    });
    expect(verifyMinisign(ARTIFACT, '  \n', [toolKey])).toMatchObject({ reason: 'missing' });
    expect(verifyMinisign(ARTIFACT, 'hello', [toolKey])).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'the signature is not a minisign signature: the first line must start with "untrusted comment: "',
    });
    expect(verifyMinisign(ARTIFACT, withLine(TOOL_SIGNATURE, 1, 'RUSl'), [toolKey])).toMatchObject({ reason: 'malformed', message: expect.stringMatching(/signature line is 3 bytes, expected 74/) });
  });
});

describe('signMinisign', () => {
  it('round-trips with verifyMinisign, prehashed by default', () => {
    const text = signMinisign(release, ours.secretKey, { trustedComment: 'web 1.2.3 built by cutover' });
    expect(parseMinisignSignature(text).algorithm).toBe('prehashed');
    expect(text.split('\n')[1]?.slice(0, 2)).toBe('RU'); // "ED" in base64; "Ed" would be "RW"
    expect(verifyMinisign(release, text, [toolKey, ours.publicKey])).toEqual({ ok: true, keyId: pair.keyId, trustedComment: 'web 1.2.3 built by cutover' });
  });

  it('writes minisign\'s defaults: its untrusted comment, and a timestamped trusted comment', () => {
    const parsed = parseMinisignSignature(signMinisign(release, ours.secretKey, { fileName: 'web-1.2.3.tar.gz' }));
    expect(parsed.untrustedComment).toBe('signature from minisign secret key');
    expect(parsed.trustedComment).toMatch(/^timestamp:\d{10}\tfile:web-1\.2\.3\.tar\.gz\thashed$/);
  });

  it('signs in the legacy form when asked, and that verifies too', () => {
    const text = signMinisign(release, ours.secretKey, { legacy: true, trustedComment: 'legacy' });
    expect(parseMinisignSignature(text).algorithm).toBe('legacy');
    expect(verifyMinisign(release, text, [ours.publicKey]).ok).toBe(true);
  });

  it('signs with a key made by the minisign tool, verifiable by its public key', () => {
    const text = signMinisign(release, parseMinisignSecretKey(TOOL_SECRET_KEY), { trustedComment: 'signed by cutover with a tool key' });
    expect(verifyMinisign(release, text, [toolKey])).toMatchObject({ ok: true, keyId: TOOL_KEY_ID });
  });

  it('refuses comments that would break the file format', () => {
    expect(() => signMinisign(release, ours.secretKey, { trustedComment: 'two\nlines' })).toThrow('the trusted comment must fit on one line');
    expect(() => signMinisign(release, ours.secretKey, { untrustedComment: 'a\rb' })).toThrow('the untrusted comment must fit on one line');
    expect(() => signMinisign(release, ours.secretKey, { trustedComment: 'x'.repeat(9000) })).toThrow(/longer than minisign accepts/);
  });
});
