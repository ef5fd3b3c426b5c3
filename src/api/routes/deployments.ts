import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import { statusView } from '../views.ts';

/** `/v1/deployments`: an approver lets a deployment waiting for approval go on, or refuses it. */
export function deploymentRoutes({ ctx, coordinator, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post('/:id/approve', guard, (c) => {
    const d = coordinator.approve(Number(c.req.param('id')), c.get('user'));
    return c.json(statusView(ctx, d));
  });
  app.post('/:id/reject', guard, async (c) => {
    const body = await jsonBody(c);
    const d = coordinator.reject(Number(c.req.param('id')), c.get('user'), typeof body.reason === 'string' ? body.reason : '');
    return c.json(statusView(ctx, d));
  });
  return app;
}
