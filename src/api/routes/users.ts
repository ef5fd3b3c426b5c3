import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { formatGrant, parseGrant, type Grant } from '../../security/identity/index.ts';
import { noteAudit } from '../audit-trail.ts';
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
    // A user may be added with no role yet (or given a new token only).
    const grants = Array.isArray(body.roles) && body.roles.length > 0 ? rolesOf(body) : [];
    const existing = identities.getUser(name);
    if (existing) identities.addGrants(name, grants);
    else identities.addUser(name, grants);
    const token = existing && body.token !== true ? undefined : identities.createToken(name);
    noteAudit(c, { target: `user/${name}`, details: { ...(existing ? {} : { created: true }), granted: grants.map(formatGrant), ...(token ? { tokenIssued: true } : {}) } });
    return c.json({ user: identities.getUser(name), ...(token ? { token } : {}) }, existing ? 200 : 201);
  });
  app.delete('/:name', guard, (c) => {
    identities.removeUser(c.req.param('name'));
    noteAudit(c, { target: `user/${c.req.param('name')}` });
    return c.json({ removed: c.req.param('name') });
  });
  // Roles one at a time: `cutover user grant` / `cutover user revoke-role`.
  app.post('/:name/grants', guard, async (c) => {
    const name = c.req.param('name');
    const grants = rolesOf(await jsonBody(c));
    identities.addGrants(name, grants);
    noteAudit(c, { target: `user/${name}`, details: { granted: grants.map(formatGrant) } });
    return c.json({ user: identities.getUser(name) });
  });
  app.delete('/:name/grants/:grant', guard, (c) => {
    const name = c.req.param('name');
    const grant = parseGrant(c.req.param('grant'), 'grant');
    const held = identities.revokeGrants(name, [grant]);
    if (held.length === 0) {
      throw new CutoverError(ErrorCode.NotFound, `user ${name} does not hold ${formatGrant(grant)}; \`cutover user list\` shows its roles`, { context: { user: name } });
    }
    noteAudit(c, { target: `user/${name}`, details: { revoked: formatGrant(grant) } });
    return c.json({ user: identities.getUser(name) });
  });
  // Every token of the user at once: a token is kept only as a hash, so there is no one token to name.
  app.delete('/:name/tokens', guard, (c) => {
    const name = c.req.param('name');
    const revoked = identities.revokeTokens(name);
    noteAudit(c, { target: `user/${name}`, details: { tokensRevoked: revoked } });
    return c.json({ user: name, revoked });
  });
  app.post('/:name/keys', guard, async (c) => {
    const body = await jsonBody(c);
    const alg = body.alg === 'hmac-sha256' ? 'hmac-sha256' : 'ed25519';
    const keyid = typeof body.keyid === 'string' ? body.keyid : `${c.req.param('name')}-${Date.now().toString(36)}`;
    const added = await identities.addKeySealed(c.req.param('name'), { keyid, alg, ...(typeof body.publicKey === 'string' ? { publicKey: body.publicKey } : {}) });
    noteAudit(c, { target: `user/${added.user}`, details: { keyid: added.keyid, alg: added.alg } });
    // An HMAC secret the server made is shown once, here; only its holder can sign with it.
    return c.json({ keyid: added.keyid, alg: added.alg, user: added.user, ...(added.secret ? { secret: added.secret.toString('base64') } : {}) }, 201);
  });
  return app;
}

/** The body's `roles`, each ROLE:ENV; one that is not a string is an error naming it, not silently dropped. */
function rolesOf(body: Record<string, unknown>): Grant[] {
  if (!Array.isArray(body.roles) || body.roles.length === 0) {
    throw new CutoverError(ErrorCode.InvalidRequest, 'roles must be a list of ROLE:ENV, e.g. ["deployer:staging"]', { problems: [{ path: 'roles', message: `expected a non-empty list, got ${JSON.stringify(body.roles)}` }] });
  }
  if (body.roles.length > 100) throw new CutoverError(ErrorCode.InvalidRequest, 'at most 100 roles at once', { problems: [{ path: 'roles', message: `${body.roles.length} given` }] });
  return body.roles.map((role: unknown, i) => parseGrant(typeof role === 'string' ? role : JSON.stringify(role), `roles[${i}]`));
}
