import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/audit`: the audit hash chain of every mutating call, and its verification. */
export function auditRoutes({ audit, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => {
    const limit = Number(c.req.query('limit') ?? 100) || 100;
    const after = Number(c.req.query('after') ?? 0) || 0;
    return c.json({ head: audit.head(), entries: audit.list({ limit, afterSeq: after }) });
  });
  app.get('/verify', guard, (c) => c.json(audit.verify()));
  return app;
}
