import { Hono } from 'hono';
import { noteAudit } from '../audit-trail.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/keys`: the age keys artifacts and secret values are encrypted to; rotation re-encrypts everything. */
export function keyRoutes({ ctx, keys, identities, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, async (c) => {
    const usage = await ctx.artifacts.keyUsage();
    return c.json({ current: keys.current().id, keys: keys.all().map((k) => ({ id: k.id, recipient: k.recipient, artifacts: usage.get(k.id) ?? 0 })) });
  });
  app.post('/rotate', guard, async (c) => {
    const key = await keys.rotate();
    const result = await ctx.artifacts.reencryptAll();
    await ctx.secrets.resealAll();
    await identities.resealSecrets();
    noteAudit(c, { target: `encryption-key/${key.id}`, details: { rotatedTo: key.id, recipient: key.recipient, reencrypted: result.reencrypted, failed: result.failed.length } });
    ctx.log.info({ key: key.id, reencrypted: result.reencrypted, failed: result.failed.length }, 'encryption key rotated');
    return c.json({ key: key.id, recipient: key.recipient, reencrypted: result.reencrypted, unchanged: result.unchanged, failed: result.failed });
  });
  app.post('/:id/retire', guard, async (c) => {
    noteAudit(c, { target: `encryption-key/${c.req.param('id')}` });
    await keys.retire(c.req.param('id'), [ctx.artifacts, ctx.secrets]);
    return c.json({ retired: c.req.param('id') });
  });
  return app;
}
