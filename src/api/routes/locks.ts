import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/locks`: a service's deploy lock, with who holds it and why. */
export function lockRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/:name', guard, (c) => c.json({ lock: ctx.store.locks.get(c.req.param('name')) }));
  app.post('/:name', guard, async (c) => {
    const body = await jsonBody(c);
    const message = typeof body.message === 'string' ? body.message.trim() : '';
    if (!message) throw new CutoverError(ErrorCode.InvalidRequest, 'say why the service is locked: -m MESSAGE', { problems: [{ path: 'message', message: 'expected a non-empty string' }] });
    const name = c.req.param('name');
    const { acquired, lock } = ctx.store.locks.acquire({ service: name, holder: c.get('user'), message, acquiredAt: Date.now() });
    if (!acquired) throw new CutoverError(ErrorCode.Locked, `service ${name} is already locked by ${lock.holder} since ${new Date(lock.acquiredAt).toISOString()}: "${lock.message}"`, { context: { service: name } });
    ctx.store.deployments.note(name, 'LockAcquired', { holder: lock.holder, message });
    return c.json({ lock }, 201);
  });
  app.delete('/:name', guard, (c) => {
    const name = c.req.param('name');
    const released = ctx.store.locks.release(name);
    if (!released) throw new CutoverError(ErrorCode.NotFound, `service ${name} is not locked`, { context: { service: name } });
    ctx.store.deployments.note(name, 'LockReleased', { by: c.get('user'), holder: released.holder });
    return c.json({ released });
  });
  return app;
}
