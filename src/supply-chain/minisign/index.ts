/**
 * minisign (Ed25519) signatures for artifacts: verify what a release was
 * signed with, sign what cutover builds, make keys without the tool.
 */
export { verifyMinisign } from './verify.ts';
export type { MinisignRefusal, MinisignVerification, VerifyMinisignOptions } from './verify.ts';
export { signMinisign } from './sign.ts';
export type { SignMinisignOptions } from './sign.ts';
export { generateMinisignKeyPair } from './generate.ts';
export type { MinisignKeyPair } from './generate.ts';
export { parseMinisignPublicKey, parseMinisignSecretKey } from './keys.ts';
export type { MinisignPublicKey, MinisignSecretKey } from './keys.ts';
export { formatMinisignSignature, parseMinisignSignature } from './signature-file.ts';
export type { MinisignAlgorithm, MinisignSignature } from './signature-file.ts';
