import type { KeyObject } from 'node:crypto';

/**
 * Header values as Node hands them over: one string, several (a repeated
 * field), or absent. Names may be in any case.
 */
export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A request as the signer sends it or the verifier received it. `url` is absolute. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: HttpHeaders;
  body?: Uint8Array;
}

/** A response, for the `@status` component. */
export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
  body?: Uint8Array;
}

export type HttpMessage = HttpRequest | HttpResponse;

/**
 * Signature algorithms from the RFC 9421 registry (§6.2.2). cutover signs
 * with `hmac-sha256` or `ed25519`; the others are here because node:crypto
 * gives them for free and the RFC's own examples use them.
 */
export const SignatureAlgorithm = {
  HmacSha256: 'hmac-sha256',
  Ed25519: 'ed25519',
  RsaPssSha512: 'rsa-pss-sha512',
  RsaV15Sha256: 'rsa-v1_5-sha256',
  EcdsaP256Sha256: 'ecdsa-p256-sha256',
} as const;
export type SignatureAlgorithm = (typeof SignatureAlgorithm)[keyof typeof SignatureAlgorithm];

/**
 * A key and what it is for. `secret` is the shared secret for HMAC, or a
 * KeyObject (or PEM) for the asymmetric algorithms: private to sign, public or
 * private to verify.
 */
export interface SignatureKey {
  keyid: string;
  alg: SignatureAlgorithm;
  secret: Buffer | KeyObject;
}

/** The signature parameters of RFC 9421 §2.3, listed in the order a signer writes them. */
export interface SignatureParams {
  created?: number;
  keyid?: string;
  alg?: string;
  expires?: number;
  nonce?: string;
  tag?: string;
}
