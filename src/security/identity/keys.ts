import { createPublicKey, createSecretKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { SignatureKey } from '../signatures/index.ts';

/** The algorithms a user's request-signing key may use. */
export const KEY_ALGORITHMS = ['hmac-sha256', 'ed25519'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** A key to register for a user. */
export interface NewKey {
  keyid: string;
  alg: KeyAlgorithm;
  /** ed25519 only: a PEM public key, or the raw 32-byte key in base64. */
  publicKey?: string;
  /** hmac-sha256 only: the shared secret, at least 32 bytes. @default 32 random bytes, returned once */
  secret?: Buffer;
}

/** A registered key, ready for signature verification: `secret` is a KeyObject so it never prints or serialises its bytes. */
export interface UserKey extends SignatureKey {
  alg: KeyAlgorithm;
  user: string;
  secret: KeyObject;
}

/** What the store keeps for a key: the public key as SPKI PEM, or the HMAC secret. */
export interface KeyMaterial {
  publicKey: string | null;
  secret: Buffer | null;
  /** The generated secret, to hand to the user once. */
  generated?: Buffer;
}

const MIN_HMAC_SECRET_BYTES = 32;

function invalid(field: string, message: string): CutoverError {
  return new CutoverError(ErrorCode.InvalidRequest, `${field}: ${message}`, { context: { field }, problems: [{ path: field, message }] });
}

/** Reads an ed25519 public key from PEM or raw base64, refusing private keys: the server must never hold a user's private key. */
export function readEd25519PublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (/PRIVATE KEY/.test(trimmed)) throw invalid('publicKey', 'this is a private key; register the public key and keep the private one on the client');
  let key: KeyObject;
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      key = createPublicKey(trimmed);
    } else {
      const raw = Buffer.from(trimmed, 'base64');
      // Buffer.from skips characters it does not know, so check the text too, not just the length it gives.
      if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed) || raw.length !== 32) {
        throw invalid('publicKey', 'expected a PEM public key, or the raw 32-byte key in base64');
      }
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    }
  } catch (error) {
    if (error instanceof CutoverError) throw error;
    throw new CutoverError(ErrorCode.InvalidRequest, 'publicKey: not a readable PEM public key', { context: { field: 'publicKey' }, cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw invalid('publicKey', `this is a ${key.asymmetricKeyType ?? 'unknown'} key, not an ed25519 one`);
  return key;
}

/** The raw 32-byte ed25519 public key in base64: what listings show. */
export function rawPublicKey(pem: string): string {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('base64');
}

/** Checks a new key and turns it into what the store keeps. */
export function keyMaterial(key: NewKey): KeyMaterial {
  switch (key.alg) {
    case 'hmac-sha256': {
      if (key.publicKey !== undefined) throw invalid('publicKey', 'hmac-sha256 keys are shared secrets and have no public key; leave it out');
      if (key.secret === undefined) {
        const generated = randomBytes(MIN_HMAC_SECRET_BYTES);
        return { publicKey: null, secret: generated, generated };
      }
      if (key.secret.length < MIN_HMAC_SECRET_BYTES) throw invalid('secret', `an hmac-sha256 secret needs at least ${MIN_HMAC_SECRET_BYTES} bytes, got ${key.secret.length}; leave it out to have one generated`);
      return { publicKey: null, secret: Buffer.from(key.secret) };
    }
    case 'ed25519': {
      if (key.secret !== undefined) throw invalid('secret', 'ed25519 keys take a publicKey, not a secret');
      if (key.publicKey === undefined) throw invalid('publicKey', 'an ed25519 key needs its public key (PEM, or 32 bytes in base64)');
      const pem = readEd25519PublicKey(key.publicKey).export({ format: 'pem', type: 'spki' }).toString();
      return { publicKey: pem, secret: null };
    }
    default: {
      const unknown: never = key.alg;
      throw invalid('alg', `"${String(unknown)}" is not a key algorithm; expected one of ${KEY_ALGORITHMS.join(', ')}`);
    }
  }
}

/** The key object verification uses, from what the store kept. */
export function verificationKey(alg: KeyAlgorithm, material: { publicKey: string | null; secret: Buffer | null }): KeyObject {
  if (alg === 'hmac-sha256' && material.secret) return createSecretKey(material.secret);
  if (alg === 'ed25519' && material.publicKey) return createPublicKey(material.publicKey);
  throw new CutoverError(ErrorCode.Internal, `a stored ${alg} key has no ${alg === 'ed25519' ? 'public key' : 'secret'}; revoke it and register it again`);
}
