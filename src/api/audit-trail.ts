import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AuditLog } from '../security/audit/index.ts';
import type { AuthEnv } from './auth.ts';

const MUTATING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/**
 * Appends every mutating call to the audit hash chain after it ran: who,
 * what, on which target, from where, and how it ended (denied calls too).
 */
export function auditTrail(audit: AuditLog): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    await next();
    if (!MUTATING.has(c.req.method)) return;
    const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? c.req.path;
    const status = c.res.status;
    let from = 'unknown';
    try {
      from = getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // not served by @hono/node-server (tests calling app.request)
    }
    audit.append({
      actor: c.get('user') ?? 'anonymous',
      action: `${c.req.method} ${route}`,
      target: c.get('auditNote') ? `${c.req.path} (${c.get('auditNote')})` : c.req.path,
      outcome: status === 401 || status === 403 ? 'denied' : status < 400 ? 'succeeded' : 'failed',
      status,
      from,
    });
  };
}
