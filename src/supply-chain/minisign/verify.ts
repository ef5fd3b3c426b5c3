import { verify } from 'node:crypto';
import { isCutoverError } from '../../core/errors.ts';
import type { MinisignPublicKey } from './keys.ts';
import { signedMessage } from './sign.ts';
import { parseMinisignSignature } from './signature-file.ts';

export type MinisignRefusal = 'missing' | 'untrusted-key' | 'bad-signature' | 'malformed' | 'bad-global-signature';

export type MinisignVerification =
  | { ok: true; keyId: string; trustedComment: string }
  | { ok: false; reason: MinisignRefusal; message: string };

export interface VerifyMinisignOptions {
  /** Named in refusals, e.g. "not trusted in environment production". */
  environment?: string;
  /**
   * Where trusted keys are configured, for the "add its public key to …" advice.
   * @default "the environment's trusted keys"
   */
  trustedKeysLocation?: string;
}

/**
 * Verifies a `.minisig` over data as `minisign -V` does: the key must be
 * trusted, the file signature must match the data (prehashed `ED` or legacy
 * `Ed`), and the global signature must match the trusted comment. Each
 * refusal says which of these failed, since each has a different fix.
 */
export function verifyMinisign(
  data: Uint8Array,
  signatureText: string | undefined,
  trustedKeys: readonly MinisignPublicKey[],
  options: VerifyMinisignOptions = {},
): MinisignVerification {
  const where = options.environment !== undefined ? ` in environment ${options.environment}` : '';
  if (signatureText === undefined || signatureText.trim() === '') {
    return { ok: false, reason: 'missing', message: `the artifact has no minisign signature, and artifacts must be signed to run${where}; sign it with \`minisign -S -m <file>\`` };
  }
  let sig;
  try {
    sig = parseMinisignSignature(signatureText);
  } catch (error) {
    if (!isCutoverError(error)) throw error;
    return { ok: false, reason: 'malformed', message: `the signature is not a minisign signature: ${error.message}` };
  }

  const key = trustedKeys.find((candidate) => Buffer.from(candidate.keyNum).equals(sig.keyNum));
  if (key === undefined) {
    const location = options.trustedKeysLocation ?? (options.environment !== undefined ? `the trusted keys of environment ${options.environment}` : 'the trusted keys');
    return {
      ok: false,
      reason: 'untrusted-key',
      message: `signed by key ${sig.keyId}, which is not trusted${where}; add its public key to ${location} if that key is yours`,
    };
  }
  if (!verify(null, signedMessage(data, sig.algorithm), key.publicKey, sig.signature)) {
    return { ok: false, reason: 'bad-signature', message: `the artifact was modified after it was signed: its signature by key ${sig.keyId} does not match its contents` };
  }
  const signedComment = Buffer.concat([sig.signature, Buffer.from(sig.trustedComment)]);
  if (!verify(null, signedComment, key.publicKey, sig.globalSignature)) {
    return {
      ok: false,
      reason: 'bad-global-signature',
      message: `the trusted comment was changed after signing: the global signature by key ${sig.keyId} does not match "${sig.trustedComment}"`,
    };
  }
  return { ok: true, keyId: sig.keyId, trustedComment: sig.trustedComment };
}
