import { createHash, sign } from 'node:crypto';
import type { MinisignSecretKey } from './keys.ts';
import { malformed } from './encoding.ts';
import { assertOneLine, formatMinisignSignature } from './signature-file.ts';
import type { MinisignAlgorithm } from './signature-file.ts';

/** minisign refuses trusted comments this long or longer (TRUSTEDCOMMENTMAXBYTES less the prefix). */
const TRUSTED_COMMENT_MAX_BYTES = 8192 - 'trusted comment: '.length - 1;

export interface SignMinisignOptions {
  /**
   * Signed along with the file, so it can be trusted: say what was signed.
   * @default "timestamp:<now>\tfile:<fileName>\thashed", as minisign writes it
   */
  trustedComment?: string;
  /** @default "signature from minisign secret key" */
  untrustedComment?: string;
  /** Named in the default trusted comment. */
  fileName?: string;
  /** Sign the raw file (`Ed`) instead of its BLAKE2b-512 (`ED`); only for verifiers older than minisign 0.8. @default false */
  legacy?: boolean;
}

/** The bytes the file signature covers. */
export function signedMessage(data: Uint8Array, algorithm: MinisignAlgorithm): Uint8Array {
  return algorithm === 'prehashed' ? createHash('blake2b512').update(data).digest() : data;
}

/** Signs data as `minisign -S` does and returns the `.minisig` text. */
export function signMinisign(data: Uint8Array, secretKey: MinisignSecretKey, options: SignMinisignOptions = {}): string {
  const algorithm: MinisignAlgorithm = options.legacy ? 'legacy' : 'prehashed';
  const file = options.fileName !== undefined ? `\tfile:${options.fileName}` : '';
  const trustedComment = options.trustedComment ?? `timestamp:${Math.floor(Date.now() / 1000)}${file}${algorithm === 'prehashed' ? '\thashed' : ''}`;
  const untrustedComment = options.untrustedComment ?? 'signature from minisign secret key';
  assertOneLine(trustedComment, 'trusted comment');
  assertOneLine(untrustedComment, 'untrusted comment');
  if (Buffer.byteLength(trustedComment) >= TRUSTED_COMMENT_MAX_BYTES) throw malformed(`the trusted comment is longer than minisign accepts (${TRUSTED_COMMENT_MAX_BYTES - 1} bytes)`);

  const signature = sign(null, signedMessage(data, algorithm), secretKey.privateKey);
  const globalSignature = sign(null, Buffer.concat([signature, Buffer.from(trustedComment)]), secretKey.privateKey);
  return formatMinisignSignature({ algorithm, keyNum: secretKey.keyNum, signature, untrustedComment, trustedComment, globalSignature });
}
