import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { UNTRUSTED_PREFIX, keyIdOf } from './encoding.ts';
import { rawPublicKey, secretKeyChecksum } from './keys.ts';

export interface MinisignKeyPair {
  /** The contents of `minisign.pub`. */
  publicKeyText: string;
  /** The contents of an unencrypted `minisign.key`, as `minisign -G -W` writes it. */
  secretKeyText: string;
  keyId: string;
}

/** A new key pair in minisign's file formats, so tests and `cutover` can make keys without the tool. */
export function generateMinisignKeyPair(): MinisignKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const pk = rawPublicKey(publicKey);
  const keyNum = randomBytes(8);
  const keyId = keyIdOf(keyNum);
  const sk = Buffer.concat([seed, pk]);

  const secret = Buffer.concat([
    Buffer.from('Ed'),
    Buffer.from([0, 0]), // no key derivation: the key is not encrypted
    Buffer.from('B2'),
    Buffer.alloc(32 + 8 + 8), // salt, opslimit, memlimit: unused without a password
    keyNum,
    sk,
    // minisign itself writes zeros here for -W keys; a real checksum costs nothing and catches damage.
    secretKeyChecksum(keyNum, sk),
  ]);
  return {
    publicKeyText: `${UNTRUSTED_PREFIX}minisign public key ${keyId}\n${Buffer.concat([Buffer.from('Ed'), keyNum, pk]).toString('base64')}\n`,
    // minisign calls every secret key file "encrypted", -W or not.
    secretKeyText: `${UNTRUSTED_PREFIX}minisign encrypted secret key\n${secret.toString('base64')}\n`,
    keyId,
  };
}
