import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/control-plane`: `cutover status` names the leader from it. */
export function controlPlaneRoutes({ guard, controlPlane }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => c.json(controlPlane?.() ?? { replica: null, leader: null }));
  return app;
}
