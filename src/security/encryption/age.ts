import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Decrypter, Encrypter, armor } from 'age-encryption';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';

/** Why age could not decrypt: a key this server does not hold, or bytes that are not an intact age file. */
export type DecryptFailure = 'key-not-held' | 'damaged';

export interface DecryptOptions {
  /**
   * What is being decrypted, for error messages.
   * @default 'the data'
   */
  what?: string;
}

const BINARY_HEADER = new TextEncoder().encode('age-encryption.org/v1\n');
const ARMOR_BEGIN = new TextEncoder().encode('-----BEGIN AGE ENCRYPTED FILE-----');

/** True when the bytes are an age file, binary (`age-encryption.org/v1`) or armored (`-----BEGIN AGE ENCRYPTED FILE-----`). */
export function isAgeEncrypted(data: Uint8Array): boolean {
  if (startsWith(data, BINARY_HEADER)) return true;
  // The armor may follow whitespace (age accepts it), but never anything else.
  let start = 0;
  while (start < data.length && start < 1024 && isWhitespace(data[start]!)) start++;
  return startsWith(data.subarray(start), ARMOR_BEGIN);
}

/** Encrypts to every recipient (`age1…`), in the binary age format. */
export async function encrypt(data: Uint8Array, recipients: readonly string[]): Promise<Uint8Array> {
  return await encrypterFor(recipients).encrypt(data);
}

/** Decrypts a binary or armored age file with the first identity (`AGE-SECRET-KEY-1…`) that matches. */
export async function decrypt(data: Uint8Array, identities: readonly string[], options: DecryptOptions = {}): Promise<Uint8Array> {
  const what = options.what ?? 'the data';
  const decrypter = decrypterFor(identities);
  try {
    return await decrypter.decrypt(isArmored(data) ? armor.decode(new TextDecoder().decode(data)) : data);
  } catch (error) {
    throw decryptError(error, what);
  }
}

/** Encrypts a stream of bytes without holding it in memory. */
export async function encryptStream(source: Readable, recipients: readonly string[]): Promise<Readable> {
  const encrypted = await encrypterFor(recipients).encrypt(toWeb(source));
  return Readable.fromWeb(encrypted as WebReadableStream<Uint8Array>);
}

/**
 * Decrypts a stream of binary age bytes without holding it in memory. The
 * header is checked before this resolves; a damaged payload fails the
 * returned stream with a CutoverError, before any damaged chunk is emitted.
 */
export async function decryptStream(source: Readable, identities: readonly string[], options: DecryptOptions = {}): Promise<Readable> {
  const what = options.what ?? 'the data';
  const decrypter = decrypterFor(identities);
  let plain: Readable;
  try {
    plain = Readable.fromWeb((await decrypter.decrypt(toWeb(source))) as WebReadableStream<Uint8Array>);
  } catch (error) {
    source.destroy();
    throw decryptError(error, what);
  }
  return Readable.from(mapErrors(plain, what), { objectMode: false });
}

async function* mapErrors(plain: Readable, what: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of plain) yield chunk as Uint8Array;
  } catch (error) {
    throw decryptError(error, what);
  }
}

function encrypterFor(recipients: readonly string[]): Encrypter {
  if (recipients.length === 0) throw new CutoverError(ErrorCode.Internal, 'age encryption needs at least one recipient (age1…)');
  const encrypter = new Encrypter();
  for (const recipient of recipients) {
    try {
      encrypter.addRecipient(recipient);
    } catch (error) {
      throw new CutoverError(ErrorCode.InvalidRequest, `"${recipient}" is not an age recipient: expected the public key age-keygen prints (age1…)`, {
        cause: error,
        context: { recipient },
      });
    }
  }
  return encrypter;
}

/**
 * Decrypters already made, by their identities (a server holds one key ring:
 * a handful of sets in its life). Making one imports each X25519 key and
 * derives its public key (about 1 ms of the server's thread at load 6), and every apply
 * decrypted its artifact with a new one (with the unwrap's import, 5% of bench:scale's CPU at
 * 1,000 services); a Decrypter keeps no state between files.
 */
const decrypters = new Map<string, Decrypter>();
const KEPT_DECRYPTERS = 4;

function decrypterFor(identities: readonly string[]): Decrypter {
  if (identities.length === 0) throw new CutoverError(ErrorCode.Internal, 'age decryption needs at least one identity, and this server holds none');
  const key = identities.join('\n');
  const kept = decrypters.get(key);
  if (kept) return kept;
  const decrypter = newDecrypter(identities);
  if (decrypters.size >= KEPT_DECRYPTERS) decrypters.delete(decrypters.keys().next().value!);
  decrypters.set(key, decrypter);
  return decrypter;
}

function newDecrypter(identities: readonly string[]): Decrypter {
  const decrypter = new Decrypter();
  identities.forEach((identity, index) => {
    try {
      decrypter.addIdentity(identity);
    } catch (error) {
      // Never echo the identity: it is a secret key.
      throw new CutoverError(ErrorCode.Internal, `identity #${index + 1} is not an age secret key (AGE-SECRET-KEY-1…)`, { cause: error });
    }
  });
  return decrypter;
}

function decryptError(error: unknown, what: string): CutoverError {
  if (error instanceof CutoverError) return error;
  const message = messageOf(error);
  // age-encryption throws plain Errors; this one is the only "wrong key" case.
  if (message.startsWith('no identity matched')) {
    return new CutoverError(ErrorCode.InvalidRequest, `${what} is encrypted to a key this server does not hold (age: ${message})`, {
      cause: error,
      context: { reason: 'key-not-held' satisfies DecryptFailure },
    });
  }
  return new CutoverError(ErrorCode.InvalidRequest, `${what} is not a valid age file or was damaged (age: ${message})`, {
    cause: error,
    context: { reason: 'damaged' satisfies DecryptFailure },
  });
}

/** Why a decryption failed, when it was a decryption failure. */
export function decryptFailureOf(error: unknown): DecryptFailure | undefined {
  const reason = error instanceof CutoverError ? error.context.reason : undefined;
  return reason === 'key-not-held' || reason === 'damaged' ? reason : undefined;
}

function isArmored(data: Uint8Array): boolean {
  return !startsWith(data, BINARY_HEADER) && isAgeEncrypted(data);
}

function toWeb(source: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>;
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  return data.length >= prefix.length && prefix.every((byte, i) => data[i] === byte);
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
