import { Hono } from 'hono';
import { noteAudit } from '../audit-trail.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/signing-keys`: revokes a key users sign requests with (added through `/v1/users/:name/keys`). */
export function signingKeyRoutes({ identities, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.delete('/:keyid', guard, (c) => {
    const keyid = c.req.param('keyid');
    noteAudit(c, { target: `signing-key/${keyid}`, details: { keyid, user: identities.keyOwner(keyid) ?? null } });
    identities.revokeKey(keyid);
    return c.json({ revoked: c.req.param('keyid') });
  });
  return app;
}
