import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { EngineContext } from '../engine/context.ts';
import { authorize, can, type Action, type Identity, type IdentityStore } from '../security/identity/index.ts';
import { contentDigestHasher, verifyRequest } from '../security/signatures/index.ts';
import { permissionOf } from './permissions.ts';
import { serviceRef } from './service-ref.ts';

/** What a handler adds to its call's audit entry: the thing acted on, in the user's words, and what about it. */
export interface AuditNote {
  /** `user/alice`, `service/web@production`, `artifact/sha256:…`, `signing-key/ci-1`. @default the request path */
  target?: string;
  /** The role granted, the revision and digest deployed, the key revoked… */
  details?: Record<string, unknown>;
}

/**
 * What a request carries once authenticated; `audit` is what a handler adds to
 * its audit entry (audit-trail.ts: noteAudit), `auditNote` a sentence for it (a forced rollback).
 */
export type AuthEnv = { Variables: { identity: Identity; user: string; auditNote?: string; audit?: AuditNote; viaMetricsToken?: true } };

/**
 * Who is calling: an HTTP Message Signature (RFC 9421) by a registered key,
 * or a Bearer token (kept only as a hash). Neither: 401. The signature
 * covers the method, the target URI, a digest of the body and when it was
 * made; requests outside the 5-minute window or replayed are refused.
 * With a `publicUrl`, the target URI (and so `@authority`) is the public
 * URL's origin and the request's path: a signature made for another server
 * (a captured request replayed elsewhere, a forged Host) does not verify.
 * Without it, the origin is the one the request names in its Host header.
 */
export async function authenticate(c: Context, identities: IdentityStore, publicUrl: string | null = null): Promise<Identity> {
  const headers = Object.fromEntries(c.req.raw.headers.entries());
  if (headers['signature-input'] || headers.signature) {
    const received = new URL(c.req.url);
    const url = publicUrl ? `${publicUrl}${received.pathname}${received.search}` : c.req.url;
    const elsewhere = publicUrl !== null && received.host !== new URL(publicUrl).host;
    const refused = (reason: string) =>
      new CutoverError(
        ErrorCode.Unauthorized,
        `the request signature was refused: ${reason}${elsewhere ? `; this server's public URL is ${publicUrl} (security.publicUrl) and signatures must name it in @authority and @target-uri, but this request was sent to ${received.host}: sign for ${publicUrl} (CUTOVER_SERVER=${publicUrl})` : ''}`,
      );
    const options = {
      keyLookup: (keyid: string) => identities.lookupKey(keyid),
      seenNonce: (keyid: string, nonce: string, expiresAt: number) => identities.seenNonce(keyid, nonce, expiresAt),
      maxAgeSeconds: 300,
    };
    // The key, the time and the nonce first, from the headers: an unknown key or a stale signature never gets its body read.
    const early = verifyRequest({ method: c.req.method, url, headers }, { ...options, headersOnly: true });
    if (!early.ok) throw refused(early.reason);
    // Then the signature itself, still before the body: it covers the Content-Digest header, which the body is checked against as it streams.
    const hasBody = c.req.raw.body !== null && headers['content-length'] !== '0';
    const result = verifyRequest({ method: c.req.method, url, headers }, { ...options, streamedBody: { hasBody } });
    if (!result.ok) throw refused(result.reason);
    if (hasBody) c.req.raw = withDigestCheck(c.req.raw, headers['content-digest']!);
    const user = identities.lookupKey(result.keyid)?.user;
    const identity = user ? identities.identity(user) : undefined;
    if (!identity) throw new CutoverError(ErrorCode.Unauthorized, `key ${result.keyid} belongs to no user any more`);
    return identity;
  }
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (!match) {
    throw new CutoverError(ErrorCode.Unauthorized, 'no credentials: sign the request (CUTOVER_KEY_ID, CUTOVER_KEY_FILE) or send Authorization: Bearer <token> (CUTOVER_TOKEN; the first admin token is in <data-dir>/admin-token)');
  }
  const identity = identities.verifyToken(match[1]!);
  if (!identity) throw new CutoverError(ErrorCode.Unauthorized, 'the token is not valid (unknown or revoked); ask an admin for a token with `cutover user add NAME --role ROLE:ENV`');
  return identity;
}

/**
 * The request with its body hashed as whoever reads it reads it: at the end
 * of a body that does not match its signed Content-Digest, the read fails
 * with 401, so a handler never acts on a body (an upload is not kept) that
 * was changed after signing — and no body is ever held to be checked.
 */
function withDigestCheck(request: Request, header: string): Request {
  const digest = contentDigestHasher(header);
  if (!digest.ok) throw new CutoverError(ErrorCode.Unauthorized, `the request signature was refused: ${digest.reason}`);
  const checked = request.body!.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        digest.hasher.update(chunk);
        controller.enqueue(chunk);
      },
      flush(controller) {
        const verdict = digest.hasher.verify();
        if (!verdict.ok) controller.error(new CutoverError(ErrorCode.Unauthorized, `the request signature was refused: ${verdict.reason}`));
      },
    }),
  );
  return new Request(request, { body: checked, duplex: 'half' } as RequestInit);
}

/** Who a call with the metrics token is, in logs and the audit trail. */
const METRICS_USER = 'metrics-token';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests, so neither the token nor its length leaks through timing. */
function isBearer(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/** 403 unless the caller may do `action` in `environment` ('?' = in at least one environment). */
export function requirePermission(identity: Identity, action: Action, environment: string): void {
  if (environment === '?') {
    if (identity.grants.some((grant) => can([grant], action, grant.environment))) return;
    throw new CutoverError(ErrorCode.Forbidden, `user ${identity.user} has no role that may ${action} on any environment; an admin can grant one with \`cutover user add ${identity.user} --role ROLE:ENV\``);
  }
  const verdict = authorize(identity, action, environment);
  if (!verdict.ok) throw new CutoverError(ErrorCode.Forbidden, verdict.message);
}

/**
 * Authenticates every call and checks the route's permission from the
 * table in permissions.ts; a route that is not in the table is refused.
 * Routes scoped by `spec` check inside their handler, once the spec is valid.
 */
export function guard(ctx: EngineContext, identities: IdentityStore, metricsToken?: string, publicUrl: string | null = null): MiddlewareHandler<AuthEnv> {
  const metricsDigest = metricsToken ? digest(metricsToken) : undefined;
  return async (c, next) => {
    const permission = permissionOf(c.req.method, routePath(c));
    if (permission?.metricsToken && metricsDigest && isBearer(c.req.header('authorization'), metricsDigest)) {
      // Prometheus: metrics and scrape targets only, and no user behind it.
      c.set('identity', { user: METRICS_USER, grants: [] });
      c.set('user', METRICS_USER);
      c.set('viaMetricsToken', true);
      await next();
      return;
    }
    const identity = await authenticate(c, identities, publicUrl);
    c.set('identity', identity);
    c.set('user', identity.user);
    if (!permission) throw new CutoverError(ErrorCode.Forbidden, `${c.req.method} ${routePath(c)} has no permission rule; refusing it`);
    switch (permission.scope) {
      case 'global':
        requirePermission(identity, permission.action, '*');
        break;
      case 'any':
      case 'spec':
        requirePermission(identity, permission.action, '?');
        break;
      case 'service':
        // The environment is the path's, never the stored service's: a call addressed to one environment cannot reach another.
        requirePermission(identity, permission.action, serviceRef(c).environment);
        break;
      case 'deployment': {
        const deployment = ctx.store.deployments.get(Number(c.req.param('id')));
        requirePermission(identity, permission.action, deployment?.environment ?? '?');
        break;
      }
    }
    await next();
  };
}
