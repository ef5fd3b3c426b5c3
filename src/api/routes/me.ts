import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/**
 * `/v1/me`: who the credentials belong to and their roles per environment,
 * so a client (the dashboard) offers only the actions the caller may take.
 * It decides nothing: every action is still checked by its own route.
 */
export function meRoutes({ guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => {
    const identity = c.get('identity');
    return c.json({ user: identity.user, grants: identity.grants });
  });
  return app;
}
