import type { Hono, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { Coordinator } from '../engine/coordinator.ts';
import type { AuditLog } from '../security/audit/index.ts';
import { parseGrant, type IdentityStore } from '../security/identity/index.ts';
import type { AuthEnv } from './auth.ts';
import { statusView } from './views.ts';
import type { EngineContext } from '../engine/context.ts';

const MUTATING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/**
 * Appends every mutating call to the audit hash chain after it ran: who,
 * what, on which target, from where, and how it ended (denied calls too).
 */
export function auditTrail(audit: AuditLog): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    await next();
    if (!MUTATING.has(c.req.method)) return;
    const route = c.req.matchedRoutes.filter((r) => r.method !== 'ALL').at(-1)?.path ?? c.req.path;
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
      target: c.req.path,
      outcome: status === 401 || status === 403 ? 'denied' : status < 400 ? 'succeeded' : 'failed',
      status,
      from,
    });
  };
}

async function body(c: { req: { text(): Promise<string> } }): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  try {
    const parsed = text.trim() ? (JSON.parse(text) as unknown) : {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new CutoverError(ErrorCode.InvalidRequest, 'the request body must be a JSON object');
  }
}

/** Users, signing keys, approvals and the audit log. */
export function securityRoutes(app: Hono<AuthEnv>, g: MiddlewareHandler<AuthEnv>, ctx: EngineContext, coordinator: Coordinator, identities: IdentityStore, audit: AuditLog): void {
  app.get('/v1/users', g, (c) => c.json({ users: identities.listUsers() }));
  app.post('/v1/users', g, async (c) => {
    const input = await body(c);
    const name = typeof input.name === 'string' ? input.name : '';
    const roles = Array.isArray(input.roles) ? input.roles.filter((r): r is string => typeof r === 'string') : [];
    const grants = roles.map((role, i) => parseGrant(role, `roles[${i}]`));
    const existing = identities.getUser(name);
    if (existing) identities.addGrants(name, grants);
    else identities.addUser(name, grants);
    const token = existing && input.token !== true ? undefined : identities.createToken(name);
    return c.json({ user: identities.getUser(name), ...(token ? { token } : {}) }, existing ? 200 : 201);
  });
  app.delete('/v1/users/:name', g, (c) => {
    identities.removeUser(c.req.param('name'));
    return c.json({ removed: c.req.param('name') });
  });
  app.post('/v1/users/:name/keys', g, async (c) => {
    const input = await body(c);
    const alg = input.alg === 'hmac-sha256' ? 'hmac-sha256' : 'ed25519';
    const keyid = typeof input.keyid === 'string' ? input.keyid : `${c.req.param('name')}-${Date.now().toString(36)}`;
    const added = identities.addKey(c.req.param('name'), { keyid, alg, ...(typeof input.publicKey === 'string' ? { publicKey: input.publicKey } : {}) });
    // An HMAC secret the server made is shown once, here; only its holder can sign with it.
    return c.json({ keyid: added.keyid, alg: added.alg, user: added.user, ...(added.secret ? { secret: added.secret.toString('base64') } : {}) }, 201);
  });
  app.delete('/v1/signing-keys/:keyid', g, (c) => {
    identities.revokeKey(c.req.param('keyid'));
    return c.json({ revoked: c.req.param('keyid') });
  });

  app.post('/v1/deployments/:id/approve', g, (c) => {
    const d = coordinator.approve(Number(c.req.param('id')), c.get('user'));
    return c.json(statusView(ctx, d.service));
  });
  app.post('/v1/deployments/:id/reject', g, async (c) => {
    const input = await body(c);
    const d = coordinator.reject(Number(c.req.param('id')), c.get('user'), typeof input.reason === 'string' ? input.reason : '');
    return c.json(statusView(ctx, d.service));
  });

  app.get('/v1/audit', g, (c) => {
    const limit = Number(c.req.query('limit') ?? 100) || 100;
    const after = Number(c.req.query('after') ?? 0) || 0;
    return c.json({ head: audit.head(), entries: audit.list({ limit, afterSeq: after }) });
  });
  app.get('/v1/audit/verify', g, (c) => c.json(audit.verify()));
}
