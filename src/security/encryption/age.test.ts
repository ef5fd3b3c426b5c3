import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { decrypt, decryptFailureOf, decryptStream, encrypt, encryptStream, isAgeEncrypted } from './age.ts';

let identity = '';
let recipient = '';
let stranger = '';

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  stranger = await generateX25519Identity();
});

const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

describe('age files', () => {
  it('decrypt gives back exactly what encrypt was given', async () => {
    const sealed = await encrypt(bytes('release 1.2.3'), [recipient]);
    expect(new TextDecoder().decode(sealed.subarray(0, 21))).toBe('age-encryption.org/v1');
    expect(new TextDecoder().decode(await decrypt(sealed, [identity]))).toBe('release 1.2.3');
  });

  it('decrypt reads the armored form too', async () => {
    const armored = armor.encode(await encrypt(bytes('armored'), [recipient]));
    expect(new TextDecoder().decode(await decrypt(bytes(`\n${armored}`), [identity]))).toBe('armored');
  });

  it('every recipient can decrypt, and the first matching identity is used', async () => {
    const other = await identityToRecipient(stranger);
    const sealed = await encrypt(bytes('shared'), [recipient, other]);
    expect(new TextDecoder().decode(await decrypt(sealed, [stranger]))).toBe('shared');
    expect(new TextDecoder().decode(await decrypt(sealed, [await generateX25519Identity(), identity]))).toBe('shared');
  });

  it('a decrypter kept for one set of identities decrypts file after file, and never answers for another set', async () => {
    const mine = await encrypt(bytes('mine'), [recipient]);
    const theirs = await encrypt(bytes('theirs'), [await identityToRecipient(stranger)]);
    for (let n = 0; n < 3; n++) expect(new TextDecoder().decode(await decrypt(mine, [identity]))).toBe('mine');
    expect(decryptFailureOf(await decrypt(theirs, [identity]).catch((error: unknown) => error))).toBe('key-not-held');
    expect(new TextDecoder().decode(await decrypt(theirs, [stranger]))).toBe('theirs');
    expect(decryptFailureOf(await decrypt(mine, [stranger]).catch((error: unknown) => error))).toBe('key-not-held');
    // More sets than are kept: the oldest is made again when asked for.
    for (let n = 0; n < 5; n++) await decrypt(mine, [await generateX25519Identity(), identity]);
    expect(new TextDecoder().decode(await decrypt(mine, [identity]))).toBe('mine');
  });

  it('isAgeEncrypted recognises binary and armored age, and not a tar.gz or text that merely mentions age', async () => {
    const sealed = await encrypt(bytes('x'), [recipient]);
    expect(isAgeEncrypted(sealed)).toBe(true);
    expect(isAgeEncrypted(bytes(`  \r\n${armor.encode(sealed)}`))).toBe(true);
    expect(isAgeEncrypted(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe(false);
    expect(isAgeEncrypted(bytes('see age-encryption.org/v1'))).toBe(false);
    expect(isAgeEncrypted(new Uint8Array())).toBe(false);
  });

  it('decrypting with a key that is not a recipient says this server does not hold the key', async () => {
    const sealed = await encrypt(bytes('x'), [recipient]);
    const failure = await decrypt(sealed, [stranger], { what: 'this artifact' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CutoverError);
    expect(failure).toMatchObject({ code: ErrorCode.InvalidRequest });
    expect((failure as Error).message).toBe(
      "this artifact is encrypted to a key this server does not hold (age: no identity matched any of the file's recipients)",
    );
    expect(decryptFailureOf(failure)).toBe('key-not-held');
  });

  it('a damaged file is reported as damaged, not as a wrong key', async () => {
    const sealed = await encrypt(bytes('x'.repeat(100)), [recipient]);
    sealed[sealed.length - 3]! ^= 1;
    const failure = await decrypt(sealed, [identity]).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(/^the data is not a valid age file or was damaged \(age: .+\)$/);
    expect(decryptFailureOf(failure)).toBe('damaged');
  });

  it('an invalid recipient is named, and an invalid identity is not echoed', async () => {
    await expect(encrypt(bytes('x'), ['age1nope'])).rejects.toThrow('"age1nope" is not an age recipient: expected the public key age-keygen prints (age1…)');
    await expect(encrypt(bytes('x'), [])).rejects.toThrow('at least one recipient');
    const sealed = await encrypt(bytes('x'), [recipient]);
    const failure = await decrypt(sealed, ['AGE-SECRET-KEY-1TOPSECRET']).catch((error: unknown) => error);
    expect((failure as Error).message).toBe('identity #1 is not an age secret key (AGE-SECRET-KEY-1…)');
    expect((failure as Error).message).not.toContain('TOPSECRET');
  });

  it('streams encrypt and decrypt more than one 64 KiB chunk without holding it whole', async () => {
    const payload = 'cutover '.repeat(50_000);
    const sealed = await encryptStream(Readable.from([Buffer.from(payload)]), [recipient]);
    const plain = await decryptStream(sealed, [identity]);
    expect(await text(plain)).toBe(payload);
  });

  it('a stream damaged after its header fails with a CutoverError saying so', async () => {
    const sealed = await encrypt(bytes('cutover '.repeat(50_000)), [recipient]);
    sealed[sealed.length - 100]! ^= 1;
    const plain = await decryptStream(Readable.from([Buffer.from(sealed)]), [identity], { what: 'artifact sha256:abc' });
    const failure = await text(plain).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CutoverError);
    expect((failure as Error).message).toMatch(/^artifact sha256:abc is not a valid age file or was damaged/);
  });

  it('a stream for another key is refused before any byte is read from it', async () => {
    const sealed = await encrypt(bytes('x'), [recipient]);
    await expect(decryptStream(Readable.from([Buffer.from(sealed)]), [stranger])).rejects.toThrow('is encrypted to a key this server does not hold');
  });
});
