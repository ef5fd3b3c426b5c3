import { CutoverError, ErrorCode } from '../../core/errors.ts';

/** The prefixes minisign puts on comment lines. */
export const UNTRUSTED_PREFIX = 'untrusted comment: ';
export const TRUSTED_PREFIX = 'trusted comment: ';

/** Thrown for text that is not in minisign's format; verification turns it into `malformed`. */
export function malformed(message: string): CutoverError {
  return new CutoverError(ErrorCode.InvalidRequest, message);
}

/** The lines of a minisign file, without their line endings (files written on Windows end in CRLF). */
export function linesOf(text: string): string[] {
  return text.split('\n').map((line) => line.replace(/\r$/, ''));
}

/** Strict base64 of an exact length: minisign's structures have fixed sizes, so any other length is a wrong file. */
export function decodeBase64(text: string, length: number, what: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) throw malformed(`${what} is not base64`);
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== length) throw malformed(`${what} is ${bytes.length} bytes, expected ${length}`);
  return bytes;
}

/**
 * A key id as minisign prints it: the 8 key-number bytes read as a
 * little-endian integer, in uppercase hex (`%016" PRIX64`).
 */
export function keyIdOf(keyNum: Uint8Array): string {
  return Buffer.from(keyNum).reverse().toString('hex').toUpperCase();
}

export function ascii(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}
