import { Hono } from 'hono';
import { checkSinks } from '../../monitoring/alerts/index.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/alerts`: a test alert to every configured sink, with how each delivery went. */
export function alertRoutes({ ctx, alerts, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post('/test', guard, async (c) => c.json({ results: await checkSinks(alerts, { logger: ctx.log }) }));
  return app;
}
