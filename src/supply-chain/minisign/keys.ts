import { createPrivateKey, createPublicKey, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';
import { UNTRUSTED_PREFIX, ascii, decodeBase64, keyIdOf, linesOf, malformed } from './encoding.ts';

/** A minisign public key: `Ed` ‖ key number (8) ‖ Ed25519 public key (32). */
export interface MinisignPublicKey {
  /** As minisign prints it, e.g. `6ED226286B2464A5`. */
  keyId: string;
  keyNum: Uint8Array;
  publicKey: KeyObject;
  /** The base64 line, as `minisign -P` takes it. */
  base64: string;
}

/** An unencrypted minisign secret key, ready to sign. */
export interface MinisignSecretKey {
  keyId: string;
  keyNum: Uint8Array;
  privateKey: KeyObject;
  publicKey: MinisignPublicKey;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SECRET_KEY_BYTES = 158;

/** The raw 32-byte Ed25519 public key of a KeyObject. */
export function rawPublicKey(key: KeyObject): Buffer {
  const x = key.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw malformed('not an Ed25519 key');
  return Buffer.from(x, 'base64url');
}

export function publicKeyFromRaw(keyNum: Uint8Array, raw: Uint8Array): MinisignPublicKey {
  const bytes = Buffer.concat([Buffer.from('Ed'), keyNum, raw]);
  return {
    keyId: keyIdOf(keyNum),
    keyNum: Uint8Array.from(keyNum),
    publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' }),
    base64: bytes.toString('base64'),
  };
}

/** The base64 line of a public key file, after its untrusted comment, or the text itself when it is the bare string. */
function keyLine(text: string, what: string): string {
  const lines = linesOf(text.trim());
  const line = lines[0]?.startsWith(UNTRUSTED_PREFIX) ? lines[1] : lines[0];
  if (line === undefined || line.trim() === '') throw malformed(`${what} has no key line after its untrusted comment`);
  return line;
}

/** Reads `minisign.pub` (an untrusted comment, then the key) or the bare base64 key that `minisign -P` takes. */
export function parseMinisignPublicKey(text: string): MinisignPublicKey {
  const bytes = decodeBase64(keyLine(text, 'the public key'), 42, 'the public key');
  if (ascii(bytes.subarray(0, 2)) !== 'Ed') throw malformed(`the public key is for algorithm ${JSON.stringify(ascii(bytes.subarray(0, 2)))}; minisign keys start with "Ed"`);
  return publicKeyFromRaw(bytes.subarray(2, 10), bytes.subarray(10, 42));
}

/**
 * minisign's secret-key checksum: BLAKE2b-256 of `Ed` ‖ key number ‖ the
 * 64-byte secret key. node:crypto only has BLAKE2b-512, and BLAKE2b-256 is
 * not a truncation of it (the length is part of the initial state).
 */
export function secretKeyChecksum(keyNum: Uint8Array, sk: Uint8Array): Uint8Array {
  return blake2b(Buffer.concat([Buffer.from('Ed'), keyNum, sk]), { dkLen: 32 });
}

/**
 * Reads an unencrypted minisign secret key (`minisign -G -W`):
 * `Ed` ‖ kdf (`\0\0`) ‖ `B2` ‖ salt (32) ‖ opslimit (8) ‖ memlimit (8) ‖
 * key number (8) ‖ secret key (64: seed ‖ public key) ‖ checksum (32).
 */
export function parseMinisignSecretKey(text: string): MinisignSecretKey {
  const bytes = decodeBase64(keyLine(text, 'the secret key'), SECRET_KEY_BYTES, 'the secret key');
  if (ascii(bytes.subarray(0, 2)) !== 'Ed') throw malformed('the secret key is not an Ed25519 minisign key');
  const kdf = ascii(bytes.subarray(2, 4));
  if (kdf === 'Sc') {
    throw malformed('the secret key is encrypted with a password; cutover signs with unencrypted keys: make one with `minisign -G -W` or remove the password with `minisign -C -W`');
  }
  if (kdf !== '\0\0') throw malformed(`the secret key uses an unknown key derivation ${JSON.stringify(kdf)}`);
  if (ascii(bytes.subarray(4, 6)) !== 'B2') throw malformed('the secret key uses an unknown checksum algorithm; minisign uses "B2" (BLAKE2b)');
  const keyNum = bytes.subarray(54, 62);
  const sk = bytes.subarray(62, 126);
  const checksum = bytes.subarray(126, 158);
  // `minisign -G -W` leaves the checksum zero (it is only computed on the way
  // to encryption); a key once encrypted and then unlocked with -C -W has one.
  if (checksum.some((byte) => byte !== 0) && !timingSafeEqual(checksum, secretKeyChecksum(keyNum, sk))) {
    throw malformed('the secret key checksum does not match: the key file is damaged');
  }
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, sk.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  if (!rawPublicKey(publicKey).equals(sk.subarray(32, 64))) throw malformed('the secret key is damaged: its public half does not belong to its seed');
  return { keyId: keyIdOf(keyNum), keyNum: Uint8Array.from(keyNum), privateKey, publicKey: publicKeyFromRaw(keyNum, sk.subarray(32, 64)) };
}
