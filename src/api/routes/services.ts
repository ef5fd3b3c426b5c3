import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { deploymentNote, noteAudit, serviceTarget } from '../audit-trail.ts';
import { requirePermission, type AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import { serviceLogs, startFollowing } from '../logs.ts';
import { serviceRef } from '../service-ref.ts';
import { ServiceList, jsonArray } from '../service-list.ts';
import { historyView, statusView } from '../views.ts';
import { sees, visibleEnvironments } from '../visibility.ts';
import { lockRoutes } from './locks.ts';
import { supersedeOption } from './apply.ts';

/**
 * `/v1/services`: every service in every environment, or those called
 * `?name=`. Each status is kept as JSON text and rendered again only when
 * it changed (service-list.ts), so the answer is joined, not serialised.
 */
export function serviceListRoutes({ ctx, guard, serviceList }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const list = serviceList ?? new ServiceList(ctx);
  app.get('/', guard, async (c) => {
    const name = c.req.query('name');
    const visible = visibleEnvironments(c);
    const statuses = await list.statuses(name || undefined, (environment) => sees(visible, environment));
    return c.body(jsonArray('services', statuses), 200, { 'content-type': 'application/json' });
  });
  return app;
}

/**
 * `/v1/environments/:env/services/:name`: status, history, logs and counters
 * of one service in one environment, and what changes it (promote, abort,
 * rollback, promote-env, delete, its lock). The environment in the path is
 * the one the caller's role is checked on and the only one the call touches.
 */
export function serviceRoutes(deps: ApiDeps): Hono<AuthEnv> {
  const { ctx, coordinator, guard } = deps;
  const app = new Hono<AuthEnv>();
  app.get('/:name', guard, (c) => c.json(statusView(ctx, serviceRef(c))));
  app.get('/:name/history', guard, (c) => c.json({ ...serviceRef(c), history: historyView(ctx, serviceRef(c)) }));
  app.get('/:name/logs', guard, async (c) => {
    const asked = Number(c.req.query('lines') ?? 200);
    const lines = Number.isInteger(asked) ? Math.min(Math.max(asked, 0), 10_000) : 200;
    const instance = c.req.query('instance');
    const query = { lines, ...(instance ? { instance } : {}) };
    const follow = c.req.query('follow');
    if (follow !== 'true' && follow !== '1') return c.text(await serviceLogs(ctx, serviceRef(c), query));
    // Checked (and a follower's place taken) before the answer starts, so a refusal is a proper error.
    const following = startFollowing(ctx, serviceRef(c), query);
    c.header('content-type', 'text/plain; charset=utf-8');
    c.header('cache-control', 'no-store');
    return stream(c, async (out) => {
      const stop = new AbortController();
      out.onAbort(() => stop.abort());
      for await (const text of following.lines(stop.signal)) {
        await out.write(text);
        if (out.aborted) stop.abort();
      }
    });
  });
  app.get('/:name/stats', guard, async (c) => c.json(await ctx.traffic.stats(serviceRef(c))));

  // `{ full: true }`: to the end, skipping pauses and analyses; without it, resume a pause or continue past a pause step.
  app.post('/:name/promote', guard, async (c) => {
    const body = await jsonBody(c);
    if (body.full !== undefined && typeof body.full !== 'boolean') {
      throw new CutoverError(ErrorCode.InvalidRequest, 'full must be true or false', { problems: [{ path: 'full', message: `expected a boolean, got ${JSON.stringify(body.full)}` }] });
    }
    noteAudit(c, { target: serviceTarget(serviceRef(c)), ...(body.full === true ? { details: { full: true } } : {}) });
    if (body.full === true) {
      coordinator.promoteFull(serviceRef(c), c.get('user'));
      c.set('auditNote', 'promoted to the end: pauses and analyses skipped');
    } else {
      coordinator.resumeOrPromote(serviceRef(c), c.get('user'));
    }
    return c.json(statusView(ctx, serviceRef(c)));
  });
  app.post('/:name/pause', guard, (c) => {
    coordinator.pause(serviceRef(c), c.get('user'));
    noteAudit(c, { target: serviceTarget(serviceRef(c)) });
    return c.json(statusView(ctx, serviceRef(c)));
  });
  app.post('/:name/retry', guard, async (c) => {
    noteAudit(c, { target: serviceTarget(serviceRef(c)) });
    const deployment = await coordinator.retry(serviceRef(c), c.get('user'));
    noteAudit(c, deploymentNote(ctx, deployment, {}));
    return c.json({ deployment: deployment.id, revision: deployment.revision, status: statusView(ctx, serviceRef(c)) }, 202);
  });
  app.post('/:name/restart', guard, (c) => {
    noteAudit(c, { target: serviceTarget(serviceRef(c)) });
    const deployment = coordinator.restart(serviceRef(c), c.get('user'));
    noteAudit(c, deploymentNote(ctx, deployment, {}));
    return c.json({ deployment: deployment.id, revision: deployment.revision, status: statusView(ctx, serviceRef(c)) }, 202);
  });
  app.post('/:name/abort', guard, (c) => {
    coordinator.abort(serviceRef(c), c.get('user'));
    noteAudit(c, { target: serviceTarget(serviceRef(c)) });
    return c.json(statusView(ctx, serviceRef(c)));
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
      requirePermission(c.get('identity'), 'admin', serviceRef(c).environment);
      c.set('auditNote', `forced rollback${to === undefined ? '' : ` to revision ${to as number}`}: checks and approval skipped`);
    }
    noteAudit(c, { target: serviceTarget(serviceRef(c)), details: { toRevision: to ?? null, force } });
    const deployment = await coordinator.rollback(serviceRef(c), to, c.get('user'), { force });
    noteAudit(c, deploymentNote(ctx, deployment, { force }));
    return c.json({ deployment: deployment.id, revision: deployment.revision, status: statusView(ctx, serviceRef(c)) }, 202);
  });
  // The path names the stage promoted to (deploy is checked there); `from` is only read.
  app.post('/:name/promote-env', guard, async (c) => {
    const body = await jsonBody(c);
    if (typeof body.from !== 'string' || body.from === '') {
      throw new CutoverError(ErrorCode.InvalidRequest, 'promote-env needs the environment to promote from', { problems: [{ path: 'from', message: 'expected an environment name' }] });
    }
    const target = typeof body.target === 'string' && body.target ? body.target : undefined;
    const { service, environment } = serviceRef(c);
    requirePermission(c.get('identity'), 'read', body.from);
    noteAudit(c, { target: serviceTarget(serviceRef(c)), details: { from: body.from } });
    const deployment = await coordinator.promoteEnvironment(service, body.from, environment, target, c.get('user'), supersedeOption(body));
    const digest = ctx.store.services.revision(deployment, deployment.revision)?.digest ?? '';
    noteAudit(c, deploymentNote(ctx, deployment, { from: body.from }));
    return c.json({ deployment: deployment.id, revision: deployment.revision, service: deployment.service, environment: deployment.environment, digest }, 202);
  });
  app.delete('/:name', guard, async (c) => {
    noteAudit(c, { target: serviceTarget(serviceRef(c)) });
    await coordinator.delete(serviceRef(c), c.get('user'));
    return c.json({ deleted: c.req.param('name'), environment: c.req.param('env') });
  });
  app.route('/:name/lock', lockRoutes(deps));
  return app;
}
