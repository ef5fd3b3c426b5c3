import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/metrics`: the control plane's Prometheus metrics (deployments, analyses, instances). */
export function metricsRoutes({ metrics, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, async (c) => c.body(await metrics.metricsText(), 200, { 'content-type': metrics.contentType }));
  return app;
}
