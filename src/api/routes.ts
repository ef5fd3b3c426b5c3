import { Hono, type Context } from 'hono';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { Coordinator } from '../engine/coordinator.ts';
import type { EngineContext } from '../engine/context.ts';
import { validateSpec } from '../spec/index.ts';
import { toErrorResponse } from './errors.ts';
import { serviceLogs } from './logs.ts';
import { eventStream } from './events-stream.ts';
import { environmentView } from '../environments/view.ts';
import { sendTest, type AlertsConfig } from '../monitoring/alerts/index.ts';
import type { ControlPlaneMetrics } from '../monitoring/metrics/index.ts';
import type { TokenVerifier } from './token.ts';
import { historyView, statusView } from './views.ts';

/** Uploads larger than this are refused. */
const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;

type Env = { Variables: { user: string } };

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new CutoverError(ErrorCode.InvalidRequest, 'the request body must be a JSON object', { problems: [{ path: '(body)', message: 'expected a JSON object' }] });
  }
}

/** The HTTP API. Every route but the liveness probe needs the admin token. */
export interface ApiExtras {
  metrics: ControlPlaneMetrics;
  alerts: AlertsConfig;
}

export function createApi(ctx: EngineContext, coordinator: Coordinator, tokens: TokenVerifier, extras: ApiExtras): Hono<Env> {
  const app = new Hono<Env>();

  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) ctx.log.error({ err: error.message, path: c.req.path }, 'request failed');
    return c.json(body, status);
  });
  app.notFound((c) => c.json({ error: { code: 'NotFound', message: `no route ${c.req.method} ${c.req.path}; see the README's API section` } }, 404));

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.use('/metrics', async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match || !tokens.verify(match[1]!)) throw new CutoverError(ErrorCode.Unauthorized, 'missing or wrong Authorization: Bearer <token> (Prometheus: authorization.credentials_file)');
    await next();
  });
  app.get('/metrics', async (c) => c.body(await extras.metrics.metricsText(), 200, { 'content-type': extras.metrics.contentType }));

  app.use('/v1/*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !tokens.verify(match[1]!)) {
      throw new CutoverError(ErrorCode.Unauthorized, header ? 'the token is not valid; use the one in <data-dir>/admin-token (CUTOVER_TOKEN)' : 'missing Authorization: Bearer <token>; the admin token is in <data-dir>/admin-token');
    }
    c.set('user', 'admin');
    await next();
  });

  app.post('/v1/artifacts', async (c) => {
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > MAX_ARTIFACT_BYTES) throw new CutoverError(ErrorCode.InvalidRequest, `artifact of ${length} bytes exceeds the ${MAX_ARTIFACT_BYTES}-byte limit`);
    const data = Buffer.from(await c.req.arrayBuffer());
    if (data.length === 0) throw new CutoverError(ErrorCode.InvalidRequest, 'the artifact upload was empty; send the tar.gz bytes as the body');
    if (data[0] !== 0x1f || data[1] !== 0x8b) throw new CutoverError(ErrorCode.InvalidRequest, 'the artifact must be a gzipped tar (tar.gz)');
    return c.json(await ctx.artifacts.put(data), 201);
  });

  app.post('/v1/apply', async (c) => {
    const body = await jsonBody(c);
    const { spec, document } = validateSpec(body.spec);
    const artifact = body.artifact as { digest?: unknown; size?: unknown; signature?: unknown } | undefined;
    if (typeof artifact?.digest !== 'string') {
      throw new CutoverError(ErrorCode.InvalidRequest, 'artifact.digest is required: upload the artifact to /v1/artifacts and pass its digest', { problems: [{ path: 'artifact.digest', message: 'expected the sha256 hex digest of an uploaded artifact' }] });
    }
    const claim = {
      digest: artifact.digest,
      size: typeof artifact.size === 'number' ? artifact.size : 0,
      ...(typeof artifact.signature === 'string' ? { signature: artifact.signature } : {}),
    };
    const deployment = await coordinator.apply(spec, document, claim, c.get('user'));
    return c.json({ deployment: deployment.id, revision: deployment.revision, status: statusView(ctx, spec.name) }, 202);
  });

  app.get('/v1/services', (c) => c.json({ services: ctx.store.services.list().map((s) => statusView(ctx, s.name)) }));
  app.get('/v1/services/:name', (c) => c.json(statusView(ctx, c.req.param('name'))));
  app.get('/v1/services/:name/history', (c) => c.json({ service: c.req.param('name'), history: historyView(ctx, c.req.param('name')) }));
  app.get('/v1/services/:name/logs', async (c) => {
    const lines = Math.min(Math.max(Number(c.req.query('lines') ?? 200) || 200, 1), 10_000);
    const instance = c.req.query('instance');
    return c.text(await serviceLogs(ctx, c.req.param('name'), { lines, ...(instance ? { instance } : {}) }));
  });
  app.get('/v1/services/:name/stats', async (c) => c.json(await ctx.traffic.stats(c.req.param('name'))));

  app.post('/v1/services/:name/promote', (c) => {
    coordinator.promote(c.req.param('name'), c.get('user'));
    return c.json(statusView(ctx, c.req.param('name')));
  });
  app.post('/v1/services/:name/abort', (c) => {
    coordinator.abort(c.req.param('name'), c.get('user'));
    return c.json(statusView(ctx, c.req.param('name')));
  });
  app.post('/v1/services/:name/rollback', async (c) => {
    const body = await jsonBody(c);
    const to = body.toRevision;
    if (to !== undefined && (typeof to !== 'number' || !Number.isInteger(to) || to < 1)) {
      throw new CutoverError(ErrorCode.InvalidRequest, 'toRevision must be a positive integer', { problems: [{ path: 'toRevision', message: `expected a revision number, got ${JSON.stringify(to)}` }] });
    }
    const deployment = await coordinator.rollback(c.req.param('name'), to, c.get('user'));
    return c.json({ deployment: deployment.id, revision: deployment.revision, status: statusView(ctx, c.req.param('name')) }, 202);
  });
  app.post('/v1/services/:name/promote-env', async (c) => {
    const body = await jsonBody(c);
    const problems = ['from', 'to'].filter((key) => typeof body[key] !== 'string' || body[key] === '').map((key) => ({ path: key, message: 'expected an environment name' }));
    if (problems.length) throw new CutoverError(ErrorCode.InvalidRequest, 'promote-env needs from and to environments', { problems });
    const target = typeof body.target === 'string' && body.target ? body.target : undefined;
    const deployment = await coordinator.promoteEnvironment(c.req.param('name'), body.from as string, body.to as string, target, c.get('user'));
    const digest = ctx.store.services.revision(deployment.service, deployment.revision)?.digest ?? '';
    return c.json({ deployment: deployment.id, revision: deployment.revision, service: deployment.service, digest }, 202);
  });
  app.delete('/v1/services/:name', async (c) => {
    await coordinator.delete(c.req.param('name'), c.get('user'));
    return c.json({ deleted: c.req.param('name') });
  });

  app.get('/v1/environments', (c) => c.json({ environments: Object.values(ctx.environments).map(environmentView) }));
  app.get('/v1/environments/:name', (c) => {
    const environment = ctx.environments[c.req.param('name')];
    if (!environment) throw new CutoverError(ErrorCode.NotFound, `no environment named "${c.req.param('name')}"; known: ${Object.keys(ctx.environments).join(', ')}`);
    return c.json(environmentView(environment));
  });
  app.post('/v1/alerts/test', async (c) => c.json({ results: await sendTest(extras.alerts, { logger: ctx.log }) }));

  app.get('/v1/locks/:name', (c) => c.json({ lock: ctx.store.locks.get(c.req.param('name')) }));
  app.post('/v1/locks/:name', async (c) => {
    const body = await jsonBody(c);
    const message = typeof body.message === 'string' ? body.message.trim() : '';
    if (!message) throw new CutoverError(ErrorCode.InvalidRequest, 'say why the service is locked: -m MESSAGE', { problems: [{ path: 'message', message: 'expected a non-empty string' }] });
    const name = c.req.param('name');
    const { acquired, lock } = ctx.store.locks.acquire({ service: name, holder: c.get('user'), message, acquiredAt: Date.now() });
    if (!acquired) throw new CutoverError(ErrorCode.Locked, `service ${name} is already locked by ${lock.holder} since ${new Date(lock.acquiredAt).toISOString()}: "${lock.message}"`, { context: { service: name } });
    ctx.store.deployments.note(name, 'LockAcquired', { holder: lock.holder, message });
    return c.json({ lock }, 201);
  });
  app.delete('/v1/locks/:name', (c) => {
    const name = c.req.param('name');
    const released = ctx.store.locks.release(name);
    if (!released) throw new CutoverError(ErrorCode.NotFound, `service ${name} is not locked`, { context: { service: name } });
    ctx.store.deployments.note(name, 'LockReleased', { by: c.get('user'), holder: released.holder });
    return c.json({ released });
  });

  app.get('/v1/events/stream', (c) => eventStream(c, ctx));
  app.get('/v1/events', (c) => {
    const after = Number(c.req.query('after') ?? 0) || 0;
    const service = c.req.query('service');
    return c.json({ last: ctx.store.deployments.lastSeq(), events: ctx.store.deployments.eventsAfter(after, service || undefined) });
  });

  return app;
}
