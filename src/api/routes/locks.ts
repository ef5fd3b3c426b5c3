import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { describeRef, pickRef } from '../../core/types.ts';
import { can } from '../../security/identity/index.ts';
import { noteAudit, serviceTarget } from '../audit-trail.ts';
import type { AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import { serviceRef } from '../service-ref.ts';

/**
 * `/v1/environments/:env/services/:name/lock`: a service's deploy lock in one
 * environment, with who holds it and why. Only a service that exists can be
 * locked, except by an admin of the environment: otherwise any deployer
 * could squat a name, and the first apply of it (by its owners) would be
 * refused as locked.
 */
export function lockRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => c.json({ lock: ctx.store.locks.get(serviceRef(c)) }));
  app.post('/', guard, async (c) => {
    const body = await jsonBody(c);
    const message = typeof body.message === 'string' ? body.message.trim() : '';
    if (!message) throw new CutoverError(ErrorCode.InvalidRequest, 'say why the service is locked: -m MESSAGE', { problems: [{ path: 'message', message: 'expected a non-empty string' }] });
    const ref = serviceRef(c);
    noteAudit(c, { target: serviceTarget(ref), details: { lock: 'acquire', message } });
    const service = ctx.store.services.get(ref);
    if ((!service || service.deletedAt !== null) && !can(c.get('identity').grants, 'admin', ref.environment)) {
      throw new CutoverError(
        ErrorCode.NotFound,
        `service ${ref.service} does not exist in ${ref.environment}, so it cannot be locked: apply it first, or ask an admin of ${ref.environment} to reserve the name with \`cutover lock acquire ${ref.service} --env ${ref.environment} -m WHY\``,
        { context: { ...pickRef(ref) } },
      );
    }
    const { acquired, lock } = ctx.store.locks.acquire({ ...ref, holder: c.get('user'), message, acquiredAt: Date.now() });
    if (!acquired) throw new CutoverError(ErrorCode.Locked, `service ${describeRef(ref)} is already locked by ${lock.holder} since ${new Date(lock.acquiredAt).toISOString()}: "${lock.message}"`, { context: { ...pickRef(ref) } });
    ctx.store.deployments.note(ref, 'LockAcquired', { holder: lock.holder, message });
    return c.json({ lock }, 201);
  });
  app.delete('/', guard, (c) => {
    const ref = serviceRef(c);
    noteAudit(c, { target: serviceTarget(ref), details: { lock: 'release' } });
    const released = ctx.store.locks.release(ref);
    if (!released) throw new CutoverError(ErrorCode.NotFound, `service ${describeRef(ref)} is not locked`, { context: { ...pickRef(ref) } });
    ctx.store.deployments.note(ref, 'LockReleased', { by: c.get('user'), holder: released.holder });
    return c.json({ released });
  });
  return app;
}
