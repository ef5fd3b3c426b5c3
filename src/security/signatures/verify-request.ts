import { isCutoverError } from '../../core/errors.ts';
import { verifyBase } from './algorithms.ts';
import { describeComponent, headerValue } from './components.ts';
import { contentDigestHasher, verifyContentDigest } from './content-digest.ts';
import { signatureBase } from './signature-base.ts';
import { readSignature } from './signature-headers.ts';
import { StructuredFieldError } from './structured-fields.ts';
import type { InnerList } from './structured-fields.ts';
import type { HttpRequest, SignatureKey } from './types.ts';

export interface VerifyRequestOptions {
  /** The key registered for a keyid, or undefined when there is none. */
  keyLookup: (keyid: string) => SignatureKey | undefined;
  /** Unix seconds. @default now */
  now?: number;
  /** How old a signature may be, from its `created`. @default 300 */
  maxAgeSeconds?: number;
  /** How far in the future `created` may be, for clocks that run ahead. @default 30 */
  clockSkewSeconds?: number;
  /**
   * Components the signature must cover; `content-digest` is added whenever
   * the request has a body.
   * @default ['@method', '@target-uri']
   */
  requiredComponents?: string[];
  /** Which signature to check. @default the first in Signature-Input */
  label?: string;
  /**
   * Records a nonce and says whether it was seen before (a replay). It only
   * has to remember it until `expiresAt` (unix seconds): after that the
   * signature is too old anyway. When given, signatures must carry a nonce.
   */
  seenNonce?: (keyid: string, nonce: string, expiresAt: number) => boolean;
  /**
   * Checks only what the headers say (a known keyid, created within the
   * window, a nonce of a sane size), without the body, the signature itself
   * or recording the nonce: a server runs it before reading a body, so an
   * unauthenticated caller cannot make it read one.
   */
  headersOnly?: boolean;
  /**
   * Verifies everything but the body itself: the signature (over the
   * Content-Digest header when `hasBody`), the nonce recorded; the caller
   * then hashes the body as it streams (contentDigestHasher) and refuses it
   * at its end when it does not match. The body is never held.
   */
  streamedBody?: { hasBody: boolean };
}

export type VerifyRequestResult =
  | { ok: true; keyid: string; label: string; components: string[] }
  | { ok: false; status: 401; reason: string };

const refuse = (reason: string): VerifyRequestResult => ({ ok: false, status: 401, reason });

interface ReceivedParams {
  created?: number;
  expires?: number;
  keyid?: string;
  alg?: string;
  nonce?: string;
}

/** The parameters verification reads, or why they cannot be read. */
function readParams(input: InnerList): ReceivedParams | string {
  const params: ReceivedParams = {};
  for (const name of ['created', 'expires'] as const) {
    const value = input.params.get(name);
    if (value === undefined) continue;
    if (value.type !== 'integer') return `signature parameter ${name} must be an integer of unix seconds`;
    params[name] = value.value;
  }
  for (const name of ['keyid', 'alg', 'nonce'] as const) {
    const value = input.params.get(name);
    if (value === undefined) continue;
    if (value.type !== 'string') return `signature parameter ${name} must be a string`;
    params[name] = value.value;
  }
  return params;
}

/**
 * Verifies an HTTP Message Signature (RFC 9421) on a request against
 * cutover's policy, cheapest checks first, and says exactly why it refuses.
 * The nonce is recorded only after the signature verifies, so unsigned
 * traffic cannot fill the replay cache.
 */
export function verifyRequest(request: HttpRequest, options: VerifyRequestOptions): VerifyRequestResult {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const maxAge = options.maxAgeSeconds ?? 300;
  const skew = options.clockSkewSeconds ?? 30;

  const read = readSignature(request.headers, options.label);
  if (!read.ok) return refuse(read.reason);
  const { label, input, signature } = read.found;

  const params = readParams(input);
  if (typeof params === 'string') return refuse(params);
  const { created, expires, keyid, alg, nonce } = params;

  if (keyid === undefined) return refuse(`signature ${label} has no keyid parameter; say which key signed it`);
  const key = options.keyLookup(keyid);
  if (key === undefined) return refuse(`unknown key ${keyid}; register the client's key on the server or sign with a registered one`);
  if (alg !== undefined && alg !== key.alg) return refuse(`signature says alg ${alg} but key ${keyid} is ${key.alg}; sign with the key's own algorithm`);

  if (created === undefined) return refuse(`signature ${label} has no created parameter; signatures must say when they were made`);
  const age = now - created;
  if (age > maxAge) return refuse(`signature created ${age}s ago, outside the ${maxAge}s window; check the client's clock or sign the request again`);
  if (-age > skew) return refuse(`signature created ${-age}s in the future, more than the ${skew}s allowed for clock skew; check the client's clock`);
  if (expires !== undefined && expires <= now) return refuse(`signature expired ${now - expires}s ago; sign the request again`);
  if (options.seenNonce && (nonce === undefined || nonce.length === 0 || nonce.length > 128)) {
    return refuse(`signature ${label} needs a nonce of 1 to 128 characters; this server refuses requests that could be replayed`);
  }
  // Everything above needs only the headers: a request that fails it is refused before its body is read.
  if (options.headersOnly) return { ok: true, keyid, label, components: input.items.map(describeComponent) };

  const covered = input.items.map(describeComponent);
  const hasBody = options.streamedBody ? options.streamedBody.hasBody : request.body !== undefined && request.body.byteLength > 0;
  const required = [...(options.requiredComponents ?? ['@method', '@target-uri']), ...(hasBody ? ['content-digest'] : [])];
  const uncovered = required.filter((name) => !covered.includes(name));
  if (uncovered.length > 0) return refuse(`signature does not cover ${uncovered.join(', ')}; sign those components too`);
  if (hasBody) {
    const digestHeader = headerValue(request.headers, 'content-digest');
    if (digestHeader === undefined) return refuse('the request has a body but no Content-Digest header');
    const digest = options.streamedBody ? contentDigestHasher(digestHeader) : verifyContentDigest(digestHeader, request.body ?? new Uint8Array());
    if (!digest.ok) return refuse(digest.reason);
  }

  let valid: boolean;
  try {
    valid = verifyBase(key, signatureBase(request, input), signature);
  } catch (error) {
    // A component the request cannot give, or a key that cannot do this algorithm.
    if (!isCutoverError(error) && !(error instanceof StructuredFieldError)) throw error;
    return refuse(error.message);
  }
  if (!valid) return refuse(`signature ${label} does not match the request: it was changed after signing, or was not signed with key ${keyid}`);

  if (options.seenNonce) {
    if (nonce === undefined) return refuse(`signature ${label} has no nonce; this server refuses requests that could be replayed`);
    const expiresAt = Math.min(created + maxAge, expires ?? Number.POSITIVE_INFINITY);
    if (options.seenNonce(keyid, nonce, expiresAt)) return refuse(`nonce ${nonce} was already used: this request is a replay`);
  }
  return { ok: true, keyid, label, components: covered };
}
