import type { Action } from '../security/identity/index.ts';

/**
 * Where the environment a call is checked against comes from:
 * `service` — the `:env` of the path (/v1/environments/:env/services/:name…),
 * which is also the only environment the call can touch; `deployment` — the named
 * deployment's; `spec` — the spec in the body (checked by the handler once
 * it is validated); `any` — the action on at least one environment;
 * `global` — the action on every environment (`*`).
 */
export type Scope = 'service' | 'deployment' | 'spec' | 'any' | 'global';

export interface RoutePermission {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  action: Action;
  scope: Scope;
  /** Also answered for the read-only metrics token (`<data-dir>/metrics-token`), which Prometheus holds. */
  metricsToken?: true;
  /** A read written to the audit log (mutating calls always are): who exported an artifact, read the audit log or an environment's config. */
  audited?: true;
}

/**
 * Every API route and what it takes. A route missing here is refused
 * (fail closed); the table-driven test walks it for every role and
 * environment.
 */
export const ROUTES: readonly RoutePermission[] = [
  { method: 'POST', path: '/v1/artifacts', action: 'deploy', scope: 'any' },
  { method: 'GET', path: '/v1/artifacts/recipient', action: 'read', scope: 'any' },
  { method: 'GET', path: '/v1/artifacts/:digest/export', action: 'admin', scope: 'global', audited: true },
  { method: 'POST', path: '/v1/apply', action: 'deploy', scope: 'spec' },
  { method: 'POST', path: '/v1/policy/test', action: 'read', scope: 'spec' },
  // What an apply would do, changing nothing: what a viewer of the spec's environment may already read (status, its rules), put side by side.
  { method: 'POST', path: '/v1/plan', action: 'read', scope: 'spec' },
  { method: 'GET', path: '/v1/services', action: 'read', scope: 'any' },
  { method: 'GET', path: '/v1/pipelines/:name', action: 'read', scope: 'any' },
  { method: 'GET', path: '/v1/environments/:env/services/:name', action: 'read', scope: 'service' },
  { method: 'GET', path: '/v1/environments/:env/services/:name/history', action: 'read', scope: 'service' },
  { method: 'GET', path: '/v1/environments/:env/services/:name/logs', action: 'read', scope: 'service' },
  { method: 'GET', path: '/v1/environments/:env/services/:name/stats', action: 'read', scope: 'service' },
  { method: 'POST', path: '/v1/environments/:env/services/:name/promote', action: 'deploy', scope: 'service' },
  { method: 'POST', path: '/v1/environments/:env/services/:name/abort', action: 'deploy', scope: 'service' },
  { method: 'POST', path: '/v1/environments/:env/services/:name/pause', action: 'deploy', scope: 'service' },
  { method: 'POST', path: '/v1/environments/:env/services/:name/retry', action: 'deploy', scope: 'service' },
  { method: 'POST', path: '/v1/environments/:env/services/:name/restart', action: 'deploy', scope: 'service' },
  { method: 'POST', path: '/v1/environments/:env/services/:name/rollback', action: 'deploy', scope: 'service' },
  { method: 'POST', path: '/v1/environments/:env/services/:name/promote-env', action: 'deploy', scope: 'service' },
  { method: 'DELETE', path: '/v1/environments/:env/services/:name', action: 'deploy', scope: 'service' },
  { method: 'GET', path: '/v1/environments/:env/services/:name/lock', action: 'read', scope: 'service' },
  { method: 'POST', path: '/v1/environments/:env/services/:name/lock', action: 'deploy', scope: 'service' },
  { method: 'DELETE', path: '/v1/environments/:env/services/:name/lock', action: 'deploy', scope: 'service' },
  { method: 'POST', path: '/v1/deployments/:id/approve', action: 'approve', scope: 'deployment' },
  { method: 'POST', path: '/v1/deployments/:id/reject', action: 'approve', scope: 'deployment' },
  { method: 'GET', path: '/v1/environments', action: 'read', scope: 'any', audited: true },
  { method: 'GET', path: '/v1/environments/:name', action: 'read', scope: 'any', audited: true },
  { method: 'GET', path: '/v1/events', action: 'read', scope: 'any' },
  { method: 'GET', path: '/v1/events/stream', action: 'read', scope: 'any' },
  { method: 'POST', path: '/v1/alerts/test', action: 'admin', scope: 'global' },
  { method: 'GET', path: '/v1/keys', action: 'admin', scope: 'global' },
  { method: 'POST', path: '/v1/keys/rotate', action: 'admin', scope: 'global' },
  { method: 'POST', path: '/v1/keys/:id/retire', action: 'admin', scope: 'global' },
  { method: 'GET', path: '/v1/users', action: 'admin', scope: 'global' },
  { method: 'POST', path: '/v1/users', action: 'admin', scope: 'global' },
  { method: 'DELETE', path: '/v1/users/:name', action: 'admin', scope: 'global' },
  { method: 'POST', path: '/v1/users/:name/grants', action: 'admin', scope: 'global' },
  { method: 'DELETE', path: '/v1/users/:name/grants/:grant', action: 'admin', scope: 'global' },
  { method: 'DELETE', path: '/v1/users/:name/tokens', action: 'admin', scope: 'global' },
  { method: 'POST', path: '/v1/users/:name/keys', action: 'admin', scope: 'global' },
  { method: 'DELETE', path: '/v1/signing-keys/:keyid', action: 'admin', scope: 'global' },
  { method: 'GET', path: '/v1/audit', action: 'admin', scope: 'global', audited: true },
  { method: 'GET', path: '/v1/audit/head', action: 'admin', scope: 'global', audited: true },
  { method: 'GET', path: '/v1/audit/verify', action: 'admin', scope: 'global', audited: true },
  { method: 'GET', path: '/v1/metrics/targets', action: 'read', scope: 'any', metricsToken: true },
  { method: 'GET', path: '/metrics', action: 'read', scope: 'any', metricsToken: true },
  { method: 'GET', path: '/v1/me', action: 'read', scope: 'any' },
  { method: 'GET', path: '/v1/control-plane', action: 'read', scope: 'any' },
];

export function permissionOf(method: string, path: string): RoutePermission | undefined {
  return ROUTES.find((route) => route.method === method && route.path === path);
}

/**
 * The routes anyone may call: the liveness probe, the API's description, and
 * the dashboard's static files (src/api/routes/ui.ts). Those hold no data:
 * the page signs in with a token and reads everything from the authenticated
 * API above.
 */
export const OPEN_ROUTES: readonly Pick<RoutePermission, 'method' | 'path'>[] = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/v1/openapi.json' },
  { method: 'GET', path: '/ui' },
  { method: 'GET', path: '/ui/' },
  { method: 'GET', path: '/ui/:file' },
];

/** True for a route in OPEN_ROUTES: answered without authentication. */
export function isOpenRoute(method: string, path: string): boolean {
  return OPEN_ROUTES.some((route) => route.method === method && route.path === path);
}

/**
 * Where the routes an app registered and this table disagree: a route with
 * no rule (it would be refused to everyone) or a rule that names no route
 * (a stale entry). Empty when they match.
 */
export function routeTableProblems(registered: readonly { method: string; path: string }[]): string[] {
  const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
  const open = new Set(OPEN_ROUTES.map(key));
  const ruled = new Set(ROUTES.map(key));
  const served = new Set(registered.map(key));
  return [
    ...[...served].filter((route) => !ruled.has(route) && !open.has(route)).map((route) => `${route} has no rule in ROUTES`),
    ...[...ruled].filter((route) => !served.has(route)).map((route) => `the rule for ${route} names no route`),
  ];
}
