/**
 * Payload encryption at rest in the age format (age-encryption.org/v1,
 * X25519): the server's key ring, files and streams, and sealed secret values.
 * What cutover encrypts, the `age` CLI decrypts, and the other way round.
 */
export { decrypt, decryptFailureOf, decryptStream, encrypt, encryptStream, isAgeEncrypted } from './age.ts';
export type { DecryptFailure, DecryptOptions } from './age.ts';
export { KeyRing } from './key-ring.ts';
export type { AgeKey, KeyUser } from './key-ring.ts';
export { formatIdentityFile, parseIdentityFile } from './identity-file.ts';
export { isSealedSecret, openSecret, sealSecret } from './secrets.ts';
