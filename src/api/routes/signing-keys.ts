import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/signing-keys`: revokes a key users sign requests with (added through `/v1/users/:name/keys`). */
export function signingKeyRoutes({ identities, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.delete('/:keyid', guard, (c) => {
    identities.revokeKey(c.req.param('keyid'));
    return c.json({ revoked: c.req.param('keyid') });
  });
  return app;
}
