import { KeyObject, constants, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify } from 'node:crypto';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { SignatureAlgorithm, SignatureKey } from './types.ts';

/** The key types node:crypto reports that each algorithm may use; anything else is refused before signing. */
const KEY_TYPES: Record<Exclude<SignatureAlgorithm, 'hmac-sha256'>, string[]> = {
  ed25519: ['ed25519'],
  'rsa-pss-sha512': ['rsa', 'rsa-pss'],
  'rsa-v1_5-sha256': ['rsa'],
  'ecdsa-p256-sha256': ['ec'],
};

function asymmetricKey(key: SignatureKey, use: 'sign' | 'verify'): KeyObject {
  const { secret, alg, keyid } = key;
  let keyObject: KeyObject;
  try {
    if (secret instanceof KeyObject) {
      keyObject = use === 'verify' && secret.type === 'private' ? createPublicKey(secret) : secret;
    } else {
      keyObject = use === 'sign' ? createPrivateKey(secret) : createPublicKey(secret);
    }
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, `key ${keyid} for ${alg} must be a KeyObject or a PEM ${use === 'sign' ? 'private' : 'public'} key`, { cause: error });
  }
  const wanted = KEY_TYPES[alg as keyof typeof KEY_TYPES];
  if (keyObject.type === 'secret' || !wanted.includes(keyObject.asymmetricKeyType ?? '')) {
    throw new CutoverError(ErrorCode.InvalidRequest, `key ${keyid} is a ${keyObject.asymmetricKeyType ?? 'secret'} key, which cannot be used for ${alg}`);
  }
  if (alg === 'ecdsa-p256-sha256' && keyObject.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CutoverError(ErrorCode.InvalidRequest, `key ${keyid} is not on the P-256 curve that ecdsa-p256-sha256 needs`);
  }
  if (use === 'sign' && keyObject.type !== 'private') {
    throw new CutoverError(ErrorCode.InvalidRequest, `key ${keyid} is a public key; signing needs the private key`);
  }
  return keyObject;
}

function hmac(key: SignatureKey, data: Buffer): Buffer {
  if (key.secret instanceof KeyObject && key.secret.type !== 'secret') {
    throw new CutoverError(ErrorCode.InvalidRequest, `key ${key.keyid} for hmac-sha256 must be a shared secret, not a ${key.secret.type} key`);
  }
  return createHmac('sha256', key.secret).update(data).digest();
}

/** Signs a signature base with the key's algorithm (RFC 9421 §3.3). */
export function signBase(key: SignatureKey, base: string): Buffer {
  const data = Buffer.from(base, 'utf8');
  switch (key.alg) {
    case 'hmac-sha256':
      return hmac(key, data);
    case 'ed25519':
      return sign(null, data, asymmetricKey(key, 'sign'));
    case 'rsa-pss-sha512':
      return sign('sha512', data, { key: asymmetricKey(key, 'sign'), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 });
    case 'rsa-v1_5-sha256':
      return sign('sha256', data, { key: asymmetricKey(key, 'sign'), padding: constants.RSA_PKCS1_PADDING });
    case 'ecdsa-p256-sha256':
      return sign('sha256', data, { key: asymmetricKey(key, 'sign'), dsaEncoding: 'ieee-p1363' });
    default: {
      const unknown: never = key.alg;
      throw new CutoverError(ErrorCode.InvalidRequest, `unknown signature algorithm ${String(unknown)}`);
    }
  }
}

/** True when `signature` is the key's signature of `base`. HMACs are compared in constant time. */
export function verifyBase(key: SignatureKey, base: string, signature: Uint8Array): boolean {
  const data = Buffer.from(base, 'utf8');
  switch (key.alg) {
    case 'hmac-sha256': {
      const expected = hmac(key, data);
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    case 'ed25519':
      return verify(null, data, asymmetricKey(key, 'verify'), signature);
    case 'rsa-pss-sha512':
      return verify('sha512', data, { key: asymmetricKey(key, 'verify'), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, signature);
    case 'rsa-v1_5-sha256':
      return verify('sha256', data, { key: asymmetricKey(key, 'verify'), padding: constants.RSA_PKCS1_PADDING }, signature);
    case 'ecdsa-p256-sha256':
      return verify('sha256', data, { key: asymmetricKey(key, 'verify'), dsaEncoding: 'ieee-p1363' }, signature);
    default: {
      const unknown: never = key.alg;
      throw new CutoverError(ErrorCode.InvalidRequest, `unknown signature algorithm ${String(unknown)}`);
    }
  }
}
