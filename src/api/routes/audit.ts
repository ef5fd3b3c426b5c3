import { Hono } from 'hono';
import { parseHead } from '../../security/audit/index.ts';
import { noteAudit } from '../audit-trail.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/**
 * `/v1/audit`: the audit hash chain, its head (to keep outside the server)
 * and its verification against such a head. Reading the log is itself
 * audited (permissions.ts), after the answer is made.
 */
export function auditRoutes({ audit, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => {
    const limit = Number(c.req.query('limit') ?? 100) || 100;
    const after = Number(c.req.query('after') ?? 0) || 0;
    noteAudit(c, { target: 'audit', details: { after, limit } });
    return c.json({ head: audit.head(), entries: audit.list({ limit, afterSeq: after }) });
  });
  app.get('/head', guard, (c) => {
    const head = audit.head();
    noteAudit(c, { target: 'audit', details: { head: `${head.seq}:${head.hash}` } });
    return c.json(head);
  });
  app.get('/verify', guard, (c) => {
    const text = c.req.query('head');
    const head = text ? parseHead(text) : undefined;
    const result = audit.verify(head ? { head } : {});
    noteAudit(c, { target: 'audit', details: { ...(head ? { head: text } : {}), intact: result.ok } });
    return c.json({ ...result, checkedAgainstHead: head !== undefined });
  });
  return app;
}
