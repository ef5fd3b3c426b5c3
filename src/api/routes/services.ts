import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { requirePermission, type AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import { serviceLogs } from '../logs.ts';
import { historyView, statusView } from '../views.ts';

/** `/v1/services`: status, history, logs and counters of services, and what changes them (promote, abort, rollback, promote-env, delete). */
export function serviceRoutes({ ctx, coordinator, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => c.json({ services: ctx.store.services.list().map((s) => statusView(ctx, s.name)) }));
  app.get('/:name', guard, (c) => c.json(statusView(ctx, c.req.param('name'))));
  app.get('/:name/history', guard, (c) => c.json({ service: c.req.param('name'), history: historyView(ctx, c.req.param('name')) }));
  app.get('/:name/logs', guard, async (c) => {
    const lines = Math.min(Math.max(Number(c.req.query('lines') ?? 200) || 200, 1), 10_000);
    const instance = c.req.query('instance');
    return c.text(await serviceLogs(ctx, c.req.param('name'), { lines, ...(instance ? { instance } : {}) }));
  });
  app.get('/:name/stats', guard, async (c) => c.json(await ctx.traffic.stats(c.req.param('name'))));

  app.post('/:name/promote', guard, (c) => {
    coordinator.promote(c.req.param('name'), c.get('user'));
    return c.json(statusView(ctx, c.req.param('name')));
  });
  app.post('/:name/abort', guard, (c) => {
    coordinator.abort(c.req.param('name'), c.get('user'));
    return c.json(statusView(ctx, c.req.param('name')));
  });
  app.post('/:name/rollback', guard, async (c) => {
    const body = await jsonBody(c);
    const to = body.toRevision;
    if (to !== undefined && (typeof to !== 'number' || !Number.isInteger(to) || to < 1)) {
      throw new CutoverError(ErrorCode.InvalidRequest, 'toRevision must be a positive integer', { problems: [{ path: 'toRevision', message: `expected a revision number, got ${JSON.stringify(to)}` }] });
    }
    if (body.force !== undefined && typeof body.force !== 'boolean') {
      throw new CutoverError(ErrorCode.InvalidRequest, 'force must be true or false', { problems: [{ path: 'force', message: `expected a boolean, got ${JSON.stringify(body.force)}` }] });
    }
    const force = body.force === true;
    if (force) {
      // Skipping an environment's checks is an admin's emergency decision, and is recorded as such.
      requirePermission(c.get('identity'), 'admin', ctx.store.services.get(c.req.param('name'))?.environment ?? '*');
      c.set('auditNote', `forced rollback${to === undefined ? '' : ` to revision ${to as number}`}: checks and approval skipped`);
    }
    const deployment = await coordinator.rollback(c.req.param('name'), to, c.get('user'), { force });
    return c.json({ deployment: deployment.id, revision: deployment.revision, status: statusView(ctx, c.req.param('name')) }, 202);
  });
  app.post('/:name/promote-env', guard, async (c) => {
    const body = await jsonBody(c);
    const problems = ['from', 'to'].filter((key) => typeof body[key] !== 'string' || body[key] === '').map((key) => ({ path: key, message: 'expected an environment name' }));
    if (problems.length) throw new CutoverError(ErrorCode.InvalidRequest, 'promote-env needs from and to environments', { problems });
    const target = typeof body.target === 'string' && body.target ? body.target : undefined;
    requirePermission(c.get('identity'), 'deploy', body.to as string);
    const deployment = await coordinator.promoteEnvironment(c.req.param('name'), body.from as string, body.to as string, target, c.get('user'));
    const digest = ctx.store.services.revision(deployment.service, deployment.revision)?.digest ?? '';
    return c.json({ deployment: deployment.id, revision: deployment.revision, service: deployment.service, digest }, 202);
  });
  app.delete('/:name', guard, async (c) => {
    await coordinator.delete(c.req.param('name'), c.get('user'));
    return c.json({ deleted: c.req.param('name') });
  });
  return app;
}
