import { Hono } from 'hono';
import { parseGrant } from '../../security/identity/index.ts';
import type { AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/users`: users, their roles per environment, tokens and the keys they sign requests with. */
export function userRoutes({ identities, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => c.json({ users: identities.listUsers() }));
  app.post('/', guard, async (c) => {
    const body = await jsonBody(c);
    const name = typeof body.name === 'string' ? body.name : '';
    const roles = Array.isArray(body.roles) ? body.roles.filter((r): r is string => typeof r === 'string') : [];
    const grants = roles.map((role, i) => parseGrant(role, `roles[${i}]`));
    const existing = identities.getUser(name);
    if (existing) identities.addGrants(name, grants);
    else identities.addUser(name, grants);
    const token = existing && body.token !== true ? undefined : identities.createToken(name);
    return c.json({ user: identities.getUser(name), ...(token ? { token } : {}) }, existing ? 200 : 201);
  });
  app.delete('/:name', guard, (c) => {
    identities.removeUser(c.req.param('name'));
    return c.json({ removed: c.req.param('name') });
  });
  app.post('/:name/keys', guard, async (c) => {
    const body = await jsonBody(c);
    const alg = body.alg === 'hmac-sha256' ? 'hmac-sha256' : 'ed25519';
    const keyid = typeof body.keyid === 'string' ? body.keyid : `${c.req.param('name')}-${Date.now().toString(36)}`;
    const added = identities.addKey(c.req.param('name'), { keyid, alg, ...(typeof body.publicKey === 'string' ? { publicKey: body.publicKey } : {}) });
    // An HMAC secret the server made is shown once, here; only its holder can sign with it.
    return c.json({ keyid: added.keyid, alg: added.alg, user: added.user, ...(added.secret ? { secret: added.secret.toString('base64') } : {}) }, 201);
  });
  return app;
}
