import { Hono } from 'hono';
import { deploymentNote, noteAudit } from '../audit-trail.ts';
import type { AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import { statusView } from '../views.ts';

/** `/v1/deployments`: an approver lets a deployment waiting for approval go on, or refuses it. */
export function deploymentRoutes({ ctx, coordinator, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post('/:id/approve', guard, (c) => {
    const d = coordinator.approve(Number(c.req.param('id')), c.get('user'));
    noteAudit(c, deploymentNote(ctx, d));
    return c.json(statusView(ctx, d));
  });
  app.post('/:id/reject', guard, async (c) => {
    const body = await jsonBody(c);
    const reason = typeof body.reason === 'string' ? body.reason : '';
    const d = coordinator.reject(Number(c.req.param('id')), c.get('user'), reason);
    noteAudit(c, deploymentNote(ctx, d, { reason }));
    return c.json(statusView(ctx, d));
  });
  return app;
}
