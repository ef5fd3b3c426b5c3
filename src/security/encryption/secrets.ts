import { armor } from 'age-encryption';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { decrypt, encrypt } from './age.ts';

const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

/**
 * Seals a secret value (a password, a token) as armored age text: safe to keep
 * in a spec or a database, and `age -d -i <identity file>` opens it too.
 */
export async function sealSecret(value: string, recipient: string | readonly string[]): Promise<string> {
  const recipients = typeof recipient === 'string' ? [recipient] : recipient;
  return armor.encode(await encrypt(new TextEncoder().encode(value), recipients));
}

/** True when the text looks like a sealed secret (armored age), so callers can tell it from a plain value. */
export function isSealedSecret(text: string): boolean {
  return text.trimStart().startsWith(ARMOR_BEGIN);
}

/** Opens a sealed secret with the first identity that matches. */
export async function openSecret(text: string, identities: readonly string[]): Promise<string> {
  // Error messages never include the text: a mistake may have put the secret itself here.
  if (!isSealedSecret(text)) {
    throw new CutoverError(
      ErrorCode.InvalidRequest,
      `a sealed secret must be armored age text starting with ${ARMOR_BEGIN}; seal it with \`age -a -r <recipient>\``,
    );
  }
  let sealed: Uint8Array;
  try {
    sealed = armor.decode(text);
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, `the sealed secret's armor is damaged (age: ${messageOf(error)}); seal the value again`, {
      cause: error,
      context: { reason: 'damaged' },
    });
  }
  const plain = await decrypt(sealed, identities, { what: 'this secret' });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, 'the sealed secret is not UTF-8 text; seal a text value', { cause: error });
  }
}
