/**
 * HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530): how the
 * CLI proves who sent an API call and that nobody changed it on the way.
 */
export { signRequest, signMessage } from './sign-request.ts';
export type { SignRequestOptions, SignatureHeaders } from './sign-request.ts';
export { verifyRequest } from './verify-request.ts';
export type { VerifyRequestOptions, VerifyRequestResult } from './verify-request.ts';
export { contentDigest, contentDigestHasher, verifyContentDigest } from './content-digest.ts';
export type { ContentDigestCheck, ContentDigestHasher, DigestAlgorithm } from './content-digest.ts';
export { signatureBase, signatureInput } from './signature-base.ts';
export { readSignature } from './signature-headers.ts';
export type { ReceivedSignature } from './signature-headers.ts';
export { signBase, verifyBase } from './algorithms.ts';
export { SignatureAlgorithm } from './types.ts';
export type { HttpHeaders, HttpMessage, HttpRequest, HttpResponse, SignatureKey, SignatureParams } from './types.ts';
export * as structuredFields from './structured-fields.ts';
