import { createHash, timingSafeEqual } from 'node:crypto';
import { StructuredFieldError, item, parseDictionary, serializeDictionary, sfBytes } from './structured-fields.ts';

/** Digest Fields (RFC 9530): the algorithms its registry marks "Active". */
export type DigestAlgorithm = 'sha-256' | 'sha-512';

const NODE_HASH: Record<DigestAlgorithm, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/** The Content-Digest value for a body: a structured-field dictionary such as `sha-256=:…:`. */
export function contentDigest(body: Uint8Array, alg: DigestAlgorithm = 'sha-256'): string {
  const digest = createHash(NODE_HASH[alg]).update(body).digest();
  return serializeDictionary(new Map([[alg, item(sfBytes(digest))]]));
}

export type ContentDigestCheck = { ok: true; algorithms: DigestAlgorithm[] } | { ok: false; reason: string };

/** A body hashed as it streams, for every supported algorithm a Content-Digest header names; `verify` once the body has ended. */
export interface ContentDigestHasher {
  update(chunk: Uint8Array): void;
  verify(): ContentDigestCheck;
}

/**
 * Reads a Content-Digest header up front and hashes the body as it passes,
 * so a body of any size is checked without being held (the same rules as
 * verifyContentDigest); why not, when the header cannot be used.
 */
export function contentDigestHasher(header: string): { ok: true; hasher: ContentDigestHasher } | { ok: false; reason: string } {
  let dict;
  try {
    dict = parseDictionary(header);
  } catch (error) {
    if (!(error instanceof StructuredFieldError)) throw error;
    return { ok: false, reason: `Content-Digest is not a structured-field dictionary (${error.message})` };
  }
  const expected: { name: DigestAlgorithm; given: Buffer; hash: ReturnType<typeof createHash> }[] = [];
  for (const [name, member] of dict) {
    if (name !== 'sha-256' && name !== 'sha-512') continue;
    if (member.kind !== 'item' || member.value.type !== 'bytes') return { ok: false, reason: `Content-Digest ${name} must be a byte sequence like ${name}=:base64:` };
    expected.push({ name, given: Buffer.from(member.value.value), hash: createHash(NODE_HASH[name]) });
  }
  if (expected.length === 0) return { ok: false, reason: `Content-Digest has no supported algorithm (sha-256 or sha-512); got ${[...dict.keys()].join(', ') || 'nothing'}` };
  return {
    ok: true,
    hasher: {
      update: (chunk) => expected.forEach(({ hash }) => hash.update(chunk)),
      verify: () => {
        for (const { name, given, hash } of expected) {
          const actual = hash.digest();
          if (given.length !== actual.length || !timingSafeEqual(given, actual)) {
            return { ok: false, reason: `Content-Digest ${name} does not match the body: the body was changed after the digest was computed` };
          }
        }
        return { ok: true, algorithms: expected.map(({ name }) => name) };
      },
    },
  };
}

/**
 * Checks a Content-Digest header against the body. Every supported algorithm
 * present must match (a wrong sha-256 is not excused by a right sha-512);
 * unknown algorithms are ignored, as RFC 9530 §2 allows, but at least one
 * supported algorithm must be there.
 */
export function verifyContentDigest(header: string, body: Uint8Array): ContentDigestCheck {
  let dict;
  try {
    dict = parseDictionary(header);
  } catch (error) {
    if (!(error instanceof StructuredFieldError)) throw error;
    return { ok: false, reason: `Content-Digest is not a structured-field dictionary (${error.message})` };
  }
  const checked: DigestAlgorithm[] = [];
  for (const [name, member] of dict) {
    if (name !== 'sha-256' && name !== 'sha-512') continue;
    if (member.kind !== 'item' || member.value.type !== 'bytes') {
      return { ok: false, reason: `Content-Digest ${name} must be a byte sequence like ${name}=:base64:` };
    }
    const expected = createHash(NODE_HASH[name]).update(body).digest();
    const given = member.value.value;
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: `Content-Digest ${name} does not match the body: the body was changed after the digest was computed` };
    }
    checked.push(name);
  }
  if (checked.length === 0) {
    return { ok: false, reason: `Content-Digest has no supported algorithm (sha-256 or sha-512); got ${[...dict.keys()].join(', ') || 'nothing'}` };
  }
  return { ok: true, algorithms: checked };
}
