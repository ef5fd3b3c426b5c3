import { TRUSTED_PREFIX, UNTRUSTED_PREFIX, ascii, decodeBase64, keyIdOf, linesOf, malformed } from './encoding.ts';

/**
 * `ED` signs the BLAKE2b-512 of the file (minisign's default since 0.8, so
 * huge files need not fit in memory); `Ed` signs the file itself.
 */
export type MinisignAlgorithm = 'prehashed' | 'legacy';

/** A `.minisig` file, read but not yet verified. */
export interface MinisignSignature {
  algorithm: MinisignAlgorithm;
  keyId: string;
  keyNum: Uint8Array;
  /** Signature of the file (or of its BLAKE2b-512). */
  signature: Uint8Array;
  untrustedComment: string;
  trustedComment: string;
  /** Signature of `signature` ‖ `trustedComment`, which is what makes the comment trusted. */
  globalSignature: Uint8Array;
}

const ALGORITHM_TAGS: Record<string, MinisignAlgorithm> = { ED: 'prehashed', Ed: 'legacy' };

/** The bytes a trusted comment may not hold: it must stay on its one line. */
export function assertOneLine(comment: string, what: string): void {
  if (/[\r\n]/.test(comment)) throw malformed(`the ${what} must fit on one line`);
}

/**
 * Reads a `.minisig`: an untrusted comment, the signature line
 * (`ED`/`Ed` ‖ key number (8) ‖ signature (64)), the trusted comment, and the
 * global signature.
 */
export function parseMinisignSignature(text: string): MinisignSignature {
  const [untrusted, signatureLine, trusted, globalLine] = linesOf(text);
  if (!untrusted?.startsWith(UNTRUSTED_PREFIX)) throw malformed(`the first line must start with "${UNTRUSTED_PREFIX}"`);
  if (signatureLine === undefined) throw malformed('the signature line is missing');
  const bytes = decodeBase64(signatureLine, 74, 'the signature line');
  const algorithm = ALGORITHM_TAGS[ascii(bytes.subarray(0, 2))];
  if (algorithm === undefined) throw malformed(`unknown signature algorithm ${JSON.stringify(ascii(bytes.subarray(0, 2)))}; minisign uses "ED" or "Ed"`);
  if (!trusted?.startsWith(TRUSTED_PREFIX)) throw malformed(`the third line must start with "${TRUSTED_PREFIX}"`);
  if (globalLine === undefined) throw malformed('the global signature line is missing');
  const keyNum = bytes.subarray(2, 10);
  return {
    algorithm,
    keyId: keyIdOf(keyNum),
    keyNum: Uint8Array.from(keyNum),
    signature: Uint8Array.from(bytes.subarray(10, 74)),
    untrustedComment: untrusted.slice(UNTRUSTED_PREFIX.length),
    trustedComment: trusted.slice(TRUSTED_PREFIX.length),
    globalSignature: Uint8Array.from(decodeBase64(globalLine, 64, 'the global signature')),
  };
}

/** Writes a `.minisig` the way minisign does, one LF after each of the four lines. */
export function formatMinisignSignature(sig: Omit<MinisignSignature, 'keyId'>): string {
  const tag = sig.algorithm === 'prehashed' ? 'ED' : 'Ed';
  const signatureLine = Buffer.concat([Buffer.from(tag), sig.keyNum, sig.signature]).toString('base64');
  return `${UNTRUSTED_PREFIX}${sig.untrustedComment}\n${signatureLine}\n${TRUSTED_PREFIX}${sig.trustedComment}\n${Buffer.from(sig.globalSignature).toString('base64')}\n`;
}
