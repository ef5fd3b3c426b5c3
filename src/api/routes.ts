import { Hono, type Context } from 'hono';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { Coordinator } from '../engine/coordinator.ts';
import type { EngineContext } from '../engine/context.ts';
import { validateSpec } from '../spec/index.ts';
import { toErrorResponse } from './errors.ts';
import { serviceLogs } from './logs.ts';
import { eventStream } from './events-stream.ts';
import { environmentView } from '../environments/view.ts';
import { sendTestAlert, type AlertsConfig } from '../monitoring/alerts/index.ts';
import type { ControlPlaneMetrics } from '../monitoring/metrics/index.ts';
import type { KeyRing } from '../security/encryption/index.ts';
import type { AuditLog } from '../security/audit/index.ts';
import { guard, requirePermission, type AuthEnv } from './auth.ts';
import { auditTrail, securityRoutes } from './security-routes.ts';
import { assessSecurity } from '../engine/security-checks.ts';
import { formatPolicyReport } from '../supply-chain/policy/index.ts';
import type { IdentityStore } from '../security/identity/index.ts';
import { historyView, statusView } from './views.ts';

/** Uploads larger than this are refused. */
const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;


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
  keys: KeyRing;
  audit: AuditLog;
}

export function createApi(ctx: EngineContext, coordinator: Coordinator, identities: IdentityStore, extras: ApiExtras): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) ctx.log.error({ err: error.message, path: c.req.path }, 'request failed');
    return c.json(body, status);
  });
  app.notFound((c) => c.json({ error: { code: 'NotFound', message: `no route ${c.req.method} ${c.req.path}; see the README's API section` } }, 404));

  app.get('/healthz', (c) => c.json({ ok: true }));

  // Every route below authenticates the caller and checks its permission (permissions.ts).
  const g = guard(ctx, identities);
  app.use('*', auditTrail(extras.audit));
  securityRoutes(app, g, ctx, coordinator, identities, extras.audit);

  app.get('/metrics', g, async (c) => c.body(await extras.metrics.metricsText(), 200, { 'content-type': extras.metrics.contentType }));

  app.post('/v1/artifacts', g, async (c) => {
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > MAX_ARTIFACT_BYTES) throw new CutoverError(ErrorCode.InvalidRequest, `artifact of ${length} bytes exceeds the ${MAX_ARTIFACT_BYTES}-byte limit`);
    const data = Buffer.from(await c.req.arrayBuffer());
    if (data.length === 0) throw new CutoverError(ErrorCode.InvalidRequest, 'the artifact upload was empty; send the tar.gz bytes as the body');
    // A tar.gz, or one encrypted with `age -r $(cutover artifact recipient)`: the store decrypts and checks it.
    return c.json(await ctx.artifacts.put(data), 201);
  });
  app.get('/v1/artifacts/recipient', g, (c) => c.json({ recipient: ctx.artifacts.recipient() }));
  app.get('/v1/artifacts/:digest/export', g, async (c) => {
    const data = await ctx.artifacts.export(c.req.param('digest'), c.req.query('recipient') || undefined);
    return c.body(Buffer.from(data), 200, { 'content-type': 'application/octet-stream' });
  });
  app.post('/v1/keys/rotate', g, async (c) => {
    const key = await extras.keys.rotate();
    const result = await ctx.artifacts.reencryptAll();
    await ctx.secrets.resealAll();
    ctx.log.info({ key: key.id, reencrypted: result.reencrypted, failed: result.failed.length }, 'encryption key rotated');
    return c.json({ key: key.id, recipient: key.recipient, reencrypted: result.reencrypted, unchanged: result.unchanged, failed: result.failed });
  });
  app.get('/v1/keys', g, async (c) => {
    const usage = await ctx.artifacts.keyUsage();
    return c.json({ current: extras.keys.current().id, keys: extras.keys.all().map((k) => ({ id: k.id, recipient: k.recipient, artifacts: usage.get(k.id) ?? 0 })) });
  });
  app.post('/v1/keys/:id/retire', g, async (c) => {
    await extras.keys.retire(c.req.param('id'), [ctx.artifacts, ctx.secrets]);
    return c.json({ retired: c.req.param('id') });
  });

  app.post('/v1/apply', g, async (c) => {
    const body = await jsonBody(c);
    const validated = validateSpec(body.spec);
    requirePermission(c.get('identity'), 'deploy', validated.spec.environment);
    // Secret values are sealed before anything else sees the spec.
    const { spec, document } = await ctx.secrets.seal(validated.spec, validated.document);
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

  app.post('/v1/policy/test', g, async (c) => {
    const body = await jsonBody(c);
    const { spec } = validateSpec(body.spec);
    requirePermission(c.get('identity'), 'read', spec.environment);
    const artifact = body.artifact as { digest?: unknown; size?: unknown; signature?: unknown } | undefined;
    if (typeof artifact?.digest !== 'string') throw new CutoverError(ErrorCode.InvalidRequest, 'artifact.digest is required', { problems: [{ path: 'artifact.digest', message: 'expected the digest of an uploaded artifact' }] });
    const environment = ctx.environments[spec.environment];
    if (!environment) throw new CutoverError(ErrorCode.InvalidSpec, `spec.environment "${spec.environment}" is not an environment of this server`, { problems: [{ path: 'spec.environment', message: `expected one of ${Object.keys(ctx.environments).join(', ')}` }] });
    const assessment = await assessSecurity(ctx, environment, spec, 0, { digest: artifact.digest, size: 0, ...(typeof artifact.signature === 'string' ? { signature: artifact.signature } : {}) }, c.get('user'));
    return c.json({ policy: assessment.policy, checks: assessment.checks, signature: assessment.signature, scan: assessment.scan?.summary ?? null, report: formatPolicyReport(assessment.policy) });
  });
  app.get('/v1/services', g, (c) => c.json({ services: ctx.store.services.list().map((s) => statusView(ctx, s.name)) }));
  app.get('/v1/services/:name', g, (c) => c.json(statusView(ctx, c.req.param('name'))));
  app.get('/v1/services/:name/history', g, (c) => c.json({ service: c.req.param('name'), history: historyView(ctx, c.req.param('name')) }));
  app.get('/v1/services/:name/logs', g, async (c) => {
    const lines = Math.min(Math.max(Number(c.req.query('lines') ?? 200) || 200, 1), 10_000);
    const instance = c.req.query('instance');
    return c.text(await serviceLogs(ctx, c.req.param('name'), { lines, ...(instance ? { instance } : {}) }));
  });
  app.get('/v1/services/:name/stats', g, async (c) => c.json(await ctx.traffic.stats(c.req.param('name'))));

  app.post('/v1/services/:name/promote', g, (c) => {
    coordinator.promote(c.req.param('name'), c.get('user'));
    return c.json(statusView(ctx, c.req.param('name')));
  });
  app.post('/v1/services/:name/abort', g, (c) => {
    coordinator.abort(c.req.param('name'), c.get('user'));
    return c.json(statusView(ctx, c.req.param('name')));
  });
  app.post('/v1/services/:name/rollback', g, async (c) => {
    const body = await jsonBody(c);
    const to = body.toRevision;
    if (to !== undefined && (typeof to !== 'number' || !Number.isInteger(to) || to < 1)) {
      throw new CutoverError(ErrorCode.InvalidRequest, 'toRevision must be a positive integer', { problems: [{ path: 'toRevision', message: `expected a revision number, got ${JSON.stringify(to)}` }] });
    }
    const deployment = await coordinator.rollback(c.req.param('name'), to, c.get('user'));
    return c.json({ deployment: deployment.id, revision: deployment.revision, status: statusView(ctx, c.req.param('name')) }, 202);
  });
  app.post('/v1/services/:name/promote-env', g, async (c) => {
    const body = await jsonBody(c);
    const problems = ['from', 'to'].filter((key) => typeof body[key] !== 'string' || body[key] === '').map((key) => ({ path: key, message: 'expected an environment name' }));
    if (problems.length) throw new CutoverError(ErrorCode.InvalidRequest, 'promote-env needs from and to environments', { problems });
    const target = typeof body.target === 'string' && body.target ? body.target : undefined;
    requirePermission(c.get('identity'), 'deploy', body.to as string);
    const deployment = await coordinator.promoteEnvironment(c.req.param('name'), body.from as string, body.to as string, target, c.get('user'));
    const digest = ctx.store.services.revision(deployment.service, deployment.revision)?.digest ?? '';
    return c.json({ deployment: deployment.id, revision: deployment.revision, service: deployment.service, digest }, 202);
  });
  app.delete('/v1/services/:name', g, async (c) => {
    await coordinator.delete(c.req.param('name'), c.get('user'));
    return c.json({ deleted: c.req.param('name') });
  });

  app.get('/v1/environments', g, (c) => c.json({ environments: Object.values(ctx.environments).map(environmentView) }));
  app.get('/v1/environments/:name', g, (c) => {
    const environment = ctx.environments[c.req.param('name')];
    if (!environment) throw new CutoverError(ErrorCode.NotFound, `no environment named "${c.req.param('name')}"; known: ${Object.keys(ctx.environments).join(', ')}`);
    return c.json(environmentView(environment));
  });
  app.post('/v1/alerts/test', g, async (c) => c.json({ results: await sendTestAlert(extras.alerts, { logger: ctx.log }) }));

  app.get('/v1/locks/:name', g, (c) => c.json({ lock: ctx.store.locks.get(c.req.param('name')) }));
  app.post('/v1/locks/:name', g, async (c) => {
    const body = await jsonBody(c);
    const message = typeof body.message === 'string' ? body.message.trim() : '';
    if (!message) throw new CutoverError(ErrorCode.InvalidRequest, 'say why the service is locked: -m MESSAGE', { problems: [{ path: 'message', message: 'expected a non-empty string' }] });
    const name = c.req.param('name');
    const { acquired, lock } = ctx.store.locks.acquire({ service: name, holder: c.get('user'), message, acquiredAt: Date.now() });
    if (!acquired) throw new CutoverError(ErrorCode.Locked, `service ${name} is already locked by ${lock.holder} since ${new Date(lock.acquiredAt).toISOString()}: "${lock.message}"`, { context: { service: name } });
    ctx.store.deployments.note(name, 'LockAcquired', { holder: lock.holder, message });
    return c.json({ lock }, 201);
  });
  app.delete('/v1/locks/:name', g, (c) => {
    const name = c.req.param('name');
    const released = ctx.store.locks.release(name);
    if (!released) throw new CutoverError(ErrorCode.NotFound, `service ${name} is not locked`, { context: { service: name } });
    ctx.store.deployments.note(name, 'LockReleased', { by: c.get('user'), holder: released.holder });
    return c.json({ released });
  });

  app.get('/v1/events/stream', g, (c) => eventStream(c, ctx));
  app.get('/v1/events', g, (c) => {
    const after = Number(c.req.query('after') ?? 0) || 0;
    const service = c.req.query('service');
    return c.json({ last: ctx.store.deployments.lastSeq(), events: ctx.store.deployments.eventsAfter(after, service || undefined) });
  });

  return app;
}
