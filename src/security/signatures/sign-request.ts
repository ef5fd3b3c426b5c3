import { randomBytes } from 'node:crypto';
import { contentDigest } from './content-digest.ts';
import type { DigestAlgorithm } from './content-digest.ts';
import { signBase } from './algorithms.ts';
import { signatureBase, signatureInput } from './signature-base.ts';
import { item, serializeDictionary, sfBytes } from './structured-fields.ts';
import type { HttpHeaders, HttpMessage, HttpRequest, SignatureKey, SignatureParams } from './types.ts';

/** Signature headers to add to a message. */
export interface SignatureHeaders {
  'signature-input': string;
  signature: string;
  /** Present when the request has a body: send it too, the signature covers it. */
  'content-digest'?: string;
}

/**
 * Signs a message exactly as told: these components, these parameters, this
 * label. Policy (a nonce, a digest of the body) is `signRequest`'s job; this
 * is the layer the RFC's own test vectors go through.
 */
export function signMessage(
  message: HttpMessage,
  options: { label: string; components: readonly string[]; params: SignatureParams; key: SignatureKey },
): { base: string; 'signature-input': string; signature: string } {
  const input = signatureInput(options.components, options.params);
  const base = signatureBase(message, input);
  const signature = signBase(options.key, base);
  return {
    base,
    'signature-input': serializeDictionary(new Map([[options.label, input]])),
    signature: serializeDictionary(new Map([[options.label, item(sfBytes(signature))]])),
  };
}

export interface SignRequestOptions {
  /**
   * Covered components: bare names (`@method`, `content-type`) or, with
   * parameters, the structured form (`"@query-param";name="id"`).
   * @default ['@method', '@target-uri'], plus 'content-digest' when there is a body
   */
  components?: string[];
  /** Unix seconds. @default now */
  created?: number;
  /** Unix seconds after which verifiers refuse the signature. @default none */
  expires?: number;
  /** @default 16 random bytes, base64url */
  nonce?: string;
  /** @default 'sig1' */
  label?: string;
  /** Names the protocol the signature is for, so it cannot be replayed into another (RFC 9421 §7.2.5). */
  tag?: string;
  /** @default 'sha-256' */
  digest?: DigestAlgorithm;
}

/** Headers with `name` set to `value`, whatever case an existing copy used. */
function withHeader(headers: HttpHeaders, name: string, value: string): HttpHeaders {
  const kept = Object.entries(headers).filter(([key]) => key.toLowerCase() !== name);
  return { ...Object.fromEntries(kept), [name]: value };
}

/**
 * Signs a request for cutover's API: covers the method and the target URI,
 * and the body through Content-Digest, with `created`, `keyid`, `alg` and a
 * fresh nonce so the verifier can refuse old and replayed requests.
 */
export function signRequest(request: HttpRequest, key: SignatureKey, options: SignRequestOptions = {}): SignatureHeaders {
  const hasBody = request.body !== undefined && request.body.byteLength > 0;
  const components = [...(options.components ?? ['@method', '@target-uri'])];
  let message: HttpRequest = request;
  let digest: string | undefined;
  if (hasBody && request.body) {
    digest = contentDigest(request.body, options.digest ?? 'sha-256');
    message = { ...request, headers: withHeader(request.headers, 'content-digest', digest) };
    // A verifier refuses a body the signature does not reach, so cover it even when the caller forgot.
    if (!components.includes('content-digest')) components.push('content-digest');
  }
  const signed = signMessage(message, {
    label: options.label ?? 'sig1',
    components,
    key,
    params: {
      created: options.created ?? Math.floor(Date.now() / 1000),
      keyid: key.keyid,
      alg: key.alg,
      expires: options.expires,
      nonce: options.nonce ?? randomBytes(16).toString('base64url'),
      tag: options.tag,
    },
  });
  return {
    'signature-input': signed['signature-input'],
    signature: signed.signature,
    ...(digest !== undefined ? { 'content-digest': digest } : {}),
  };
}
