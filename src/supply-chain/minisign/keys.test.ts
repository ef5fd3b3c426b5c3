import { describe, expect, it } from 'vitest';
import { generateMinisignKeyPair } from './generate.ts';
import { parseMinisignPublicKey, parseMinisignSecretKey, rawPublicKey } from './keys.ts';
import {
  TOOL_KEY_ID,
  TOOL_LEGACY_SIGNATURE,
  TOOL_PUBLIC_KEY,
  TOOL_SECRET_KEY,
  TOOL_SIGNATURE,
  UNLOCKED_PUBLIC_KEY,
  UNLOCKED_SECRET_KEY,
} from '../../../test/support/minisign-examples.ts';
import { parseMinisignSignature } from './signature-file.ts';

describe('minisign keys', () => {
  it('reads a minisign.pub and names its key id as minisign prints it', () => {
    const key = parseMinisignPublicKey(TOOL_PUBLIC_KEY);
    expect(key.keyId).toBe(TOOL_KEY_ID);
    expect(key.base64).toBe('RWSlW9tAy+SPUucv5P6E+GDWOhayVwM34H+4rXxoWPZ718HpY+VWgcR6');
    expect(key.publicKey.asymmetricKeyType).toBe('ed25519');
  });

  it('reads the bare base64 form that minisign -P takes, and CRLF files', () => {
    expect(parseMinisignPublicKey('RWSlW9tAy+SPUucv5P6E+GDWOhayVwM34H+4rXxoWPZ718HpY+VWgcR6').keyId).toBe(TOOL_KEY_ID);
    expect(parseMinisignPublicKey(TOOL_PUBLIC_KEY.replace(/\n/g, '\r\n')).keyId).toBe(TOOL_KEY_ID);
  });

  it('reads an unencrypted secret key from minisign -G -W, whose checksum minisign leaves zero', () => {
    const secret = parseMinisignSecretKey(TOOL_SECRET_KEY);
    expect(secret.keyId).toBe(TOOL_KEY_ID);
    expect(rawPublicKey(secret.publicKey.publicKey)).toEqual(rawPublicKey(parseMinisignPublicKey(TOOL_PUBLIC_KEY).publicKey));
  });

  it('checks the BLAKE2b-256 checksum when the key has one', () => {
    const secret = parseMinisignSecretKey(UNLOCKED_SECRET_KEY);
    expect(secret.publicKey.base64).toBe(UNLOCKED_PUBLIC_KEY);
    // Flip one bit of the stored checksum (its last byte sits in the last base64 characters).
    const bytes = Buffer.from(UNLOCKED_SECRET_KEY.split('\n')[1] as string, 'base64');
    bytes[157] = (bytes[157] as number) ^ 1;
    const damaged = `untrusted comment: x\n${bytes.toString('base64')}\n`;
    expect(() => parseMinisignSecretKey(damaged)).toThrow('the secret key checksum does not match: the key file is damaged');
  });

  it('refuses a password-protected secret key and says how to get an unencrypted one', () => {
    const bytes = Buffer.from(TOOL_SECRET_KEY.split('\n')[1] as string, 'base64');
    bytes.write('Sc', 2, 'latin1');
    expect(() => parseMinisignSecretKey(bytes.toString('base64'))).toThrow(/encrypted with a password.*minisign -G -W.*minisign -C -W/);
  });

  it('refuses text that is not a key, saying what is wrong', () => {
    expect(() => parseMinisignPublicKey('untrusted comment: x\n')).toThrow(/no key line/);
    expect(() => parseMinisignPublicKey('not base64!')).toThrow('the public key is not base64');
    expect(() => parseMinisignPublicKey(Buffer.alloc(42).toString('base64'))).toThrow(/minisign keys start with "Ed"/);
    expect(() => parseMinisignPublicKey('RWSlW9tAy+SPUucv')).toThrow('the public key is 12 bytes, expected 42');
    expect(() => parseMinisignSecretKey(TOOL_PUBLIC_KEY)).toThrow('the secret key is 42 bytes, expected 158');
  });

  it('generates key pairs in minisign\'s formats that read back with matching halves', () => {
    const pair = generateMinisignKeyPair();
    const publicKey = parseMinisignPublicKey(pair.publicKeyText);
    const secretKey = parseMinisignSecretKey(pair.secretKeyText);
    expect(pair.publicKeyText).toMatch(new RegExp(`^untrusted comment: minisign public key ${pair.keyId}\\n[A-Za-z0-9+/]{56}\\n$`));
    expect(pair.secretKeyText).toMatch(/^untrusted comment: minisign encrypted secret key\n[A-Za-z0-9+/]{211}=\n$/);
    expect(publicKey.keyId).toBe(pair.keyId);
    expect(secretKey.publicKey.base64).toBe(publicKey.base64);
    expect(generateMinisignKeyPair().keyId).not.toBe(pair.keyId);
  });
});

describe('minisign signature files', () => {
  it('reads a prehashed and a legacy signature written by minisign', () => {
    expect(parseMinisignSignature(TOOL_SIGNATURE)).toMatchObject({
      algorithm: 'prehashed',
      keyId: TOOL_KEY_ID,
      untrustedComment: 'signature from minisign secret key',
      trustedComment: 'release 1.2.3 of web',
    });
    expect(parseMinisignSignature(TOOL_LEGACY_SIGNATURE)).toMatchObject({ algorithm: 'legacy', keyId: TOOL_KEY_ID, trustedComment: 'release 1.2.3 of web (legacy)' });
  });

  it('refuses files that miss a line or a prefix', () => {
    const lines = TOOL_SIGNATURE.split('\n');
    expect(() => parseMinisignSignature(lines.slice(1).join('\n'))).toThrow(/first line must start with "untrusted comment: "/);
    expect(() => parseMinisignSignature(lines.slice(0, 3).join('\n'))).toThrow(/global signature line is missing/);
    expect(() => parseMinisignSignature([lines[0], lines[1], 'release', lines[3]].join('\n'))).toThrow(/third line must start with "trusted comment: "/);
  });
});
