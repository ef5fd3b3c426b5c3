import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Deployment } from '../core/deployment.ts';
import type { ServiceRef } from '../core/types.ts';
import type { EngineContext } from '../engine/context.ts';
import type { AuditLog, Outcome } from '../security/audit/index.ts';
import type { AuditNote, AuthEnv } from './auth.ts';
import { AnonymousFailures } from './anonymous-failures.ts';
import { permissionOf } from './permissions.ts';

const MUTATING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** Adds to the audit entry of this call (merged with what was noted before). */
export function noteAudit(c: Context<AuthEnv>, note: AuditNote): void {
  const before = c.get('audit');
  c.set('audit', { target: note.target ?? before?.target, details: { ...before?.details, ...note.details } });
}

/** `service/web@production`: how an audit entry names a service. */
export function serviceTarget(ref: ServiceRef): string {
  return `service/${ref.service}@${ref.environment}`;
}

/** What a deployment deployed, for its audit entry: the service, the revision and the digest of its artifact. */
export function deploymentNote(ctx: EngineContext, deployment: Deployment, more: Record<string, unknown> = {}): AuditNote {
  const revision = ctx.store.services.revision(deployment, deployment.revision);
  return {
    target: serviceTarget(deployment),
    details: { deployment: deployment.id, kind: deployment.kind, revision: deployment.revision, version: deployment.version, digest: revision?.digest ?? null, ...more },
  };
}

/**
 * Appends every mutating call, and the reads the permission table marks
 * `audited` (artifact export, the audit log itself, environment views), to
 * the audit hash chain after they ran: who, what, on which target, from
 * where, and how it ended (denied calls too).
 *
 * Calls nobody could be authenticated for are not appended one by one: an
 * unauthenticated client could grow the log without bound. They are counted
 * per address (anonymous-failures.ts), written as one entry per address and
 * minute, and answered 429 (Retry-After) past a limit.
 */
export function auditTrail(audit: AuditLog, failures = new AnonymousFailures(audit)): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const from = remoteOf(c);
    try {
      await next();
    } finally {
      const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? c.req.path;
      const status = c.res.status;
      const user = c.get('user');
      if (user === undefined && status >= 400) {
        const wait = failures.count(from, status, `${c.req.method} ${route}`);
        // Only the failures are slowed: a flood from an address (loopback is everyone's on one machine) never locks out good credentials.
        if (wait > 0) c.res = c.json({ error: { code: 'TooManyRequests', message: `too many requests without valid credentials from ${from}; wait ${wait} s` } }, 429, { 'retry-after': String(wait) });
      } else if (MUTATING.has(c.req.method) || permissionOf(c.req.method, route)?.audited) {
        const note = c.get('audit');
        const forced = c.get('auditNote');
        const details = { ...note?.details, ...(forced ? { note: forced } : {}) };
        audit.append({
          actor: user ?? 'anonymous',
          action: `${c.req.method} ${route}`,
          target: note?.target ?? c.req.path,
          outcome: outcomeOf(status),
          status,
          from,
          ...(Object.keys(details).length ? { details } : {}),
        });
      }
    }
  };
}

function outcomeOf(status: number): Outcome {
  return status === 401 || status === 403 ? 'denied' : status < 400 ? 'succeeded' : 'failed';
}

function remoteOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by @hono/node-server (tests calling app.request)
  }
}
