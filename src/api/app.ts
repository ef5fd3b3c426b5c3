import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { auditTrail } from './audit-trail.ts';
import { guard, type AuthEnv } from './auth.ts';
import { limitBodies } from './body.ts';
import type { ApiDeps } from './deps.ts';
import { toErrorResponse } from './errors.ts';
import { isOpenRoute, routeTableProblems } from './permissions.ts';
import { openApiDocument } from './openapi/index.ts';
import { packageVersion } from '../core/version.ts';
import { alertRoutes } from './routes/alerts.ts';
import { applyRoutes } from './routes/apply.ts';
import { artifactRoutes } from './routes/artifacts.ts';
import { auditRoutes } from './routes/audit.ts';
import { deploymentRoutes } from './routes/deployments.ts';
import { environmentRoutes } from './routes/environments.ts';
import { eventRoutes } from './routes/events.ts';
import { keyRoutes } from './routes/keys.ts';
import { meRoutes } from './routes/me.ts';
import { controlPlaneRoutes } from './routes/control-plane.ts';
import { metricsRoutes, metricsTargetRoutes } from './routes/metrics.ts';
import { planRoutes } from './routes/plan.ts';
import { policyRoutes } from './routes/policy.ts';
import { pipelineRoutes } from './routes/pipelines.ts';
import { serviceListRoutes, serviceRoutes } from './routes/services.ts';
import { signingKeyRoutes } from './routes/signing-keys.ts';
import { serveDashboard } from './routes/ui.ts';
import { userRoutes } from './routes/users.ts';

/**
 * The HTTP API: one sub-app per resource (src/api/routes/), each route
 * guarded by authentication and the permission table. Errors are mapped to
 * statuses in one place (errors.ts); bodies are bounded before anything reads
 * them (body.ts).
 */
export function createApi(deps: Omit<ApiDeps, 'guard'>): Hono<AuthEnv> {
  const { ctx } = deps;
  const app = new Hono<AuthEnv>();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) ctx.log.error({ err: error.message, path: c.req.path }, 'request failed');
    return c.json(body, status);
  });
  app.notFound((c) => c.json({ error: { code: 'NotFound', message: `no route ${c.req.method} ${c.req.path}; see the README's API section` } }, 404));

  // Open to anyone, and answered before the middleware below.
  app.get('/healthz', (c) => c.json({ ok: true }));
  // The dashboard's static files: public, they hold no data (see ui.ts).
  serveDashboard(app);
  let openApi: Record<string, unknown> | undefined;
  app.get('/v1/openapi.json', (c) => c.json((openApi ??= openApiDocument(packageVersion()))));

  // The audit trail records refused calls too, an oversized body among them.
  app.use('*', auditTrail(deps.audit, deps.anonymousFailures));
  app.use('*', limitBodies(deps.limits?.artifactBytes));
  const all: ApiDeps = { ...deps, guard: guard(ctx, deps.identities, deps.metricsToken, deps.publicUrl ?? null) };
  app.route('/metrics', metricsRoutes(all));
  app.route('/v1/metrics', metricsTargetRoutes(all));
  app.route('/v1/artifacts', artifactRoutes(all));
  app.route('/v1/keys', keyRoutes(all));
  app.route('/v1/apply', applyRoutes(all));
  app.route('/v1/policy', policyRoutes(all));
  app.route('/v1/plan', planRoutes(all));
  app.route('/v1/services', serviceListRoutes(all));
  app.route('/v1/environments/:env/services', serviceRoutes(all));
  app.route('/v1/pipelines', pipelineRoutes(all));
  app.route('/v1/deployments', deploymentRoutes(all));
  app.route('/v1/environments', environmentRoutes(all));
  app.route('/v1/alerts', alertRoutes(all));
  app.route('/v1/events', eventRoutes(all));
  app.route('/v1/users', userRoutes(all));
  app.route('/v1/signing-keys', signingKeyRoutes(all));
  app.route('/v1/audit', auditRoutes(all));
  app.route('/v1/me', meRoutes(all));
  app.route('/v1/control-plane', controlPlaneRoutes(all));

  checkRoutes(app, all.guard);
  return app;
}

/**
 * Fails closed at startup: every route must have a rule in the permission
 * table and run the guard first, and every rule must name a route. A route
 * added without either stops the server (and so every test) at once.
 */
function checkRoutes(app: Hono<AuthEnv>, routeGuard: ApiDeps['guard']): void {
  const routes = app.routes.filter((route) => route.method !== 'ALL');
  const problems = routeTableProblems(routes);
  for (const route of routes) {
    if (isOpenRoute(route.method, route.path)) continue;
    const handlers = routes.filter((other) => other.method === route.method && other.path === route.path).map((other) => other.handler);
    if (handlers[0] !== routeGuard) problems.push(`${route.method} ${route.path} does not run the guard first; register it as app.${route.method.toLowerCase()}(path, guard, handler)`);
  }
  if (problems.length) {
    throw new CutoverError(ErrorCode.Internal, `the API's routes and its permission table (src/api/permissions.ts) disagree: ${[...new Set(problems)].join('; ')}`);
  }
}
