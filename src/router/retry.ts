import type { RequestBody } from './request-body.ts';

/** Attempts per request, the first one included. */
export const MAX_ATTEMPTS = 3;

/** Methods that mean the same thing when sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** The connection never opened, so the instance cannot have seen the request. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * Whether an attempt that failed before any response may be sent again.
 * Idempotent methods always may; any method may when the connection never
 * opened, since nothing reached the instance. Either way the body must be
 * held in full.
 */
export function mayRetry(method: string | undefined, error: NodeJS.ErrnoException, body: RequestBody): boolean {
  if (body.kind !== 'buffered') return false;
  if (NEVER_CONNECTED.has(error.code ?? '')) return true;
  return IDEMPOTENT_METHODS.has(method ?? '');
}

/** A refused connection means nothing listens there: the instance is down right now. */
export function isRefused(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ECONNREFUSED';
}
