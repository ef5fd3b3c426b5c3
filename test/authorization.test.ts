import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RoutePermission } from '../src/api/permissions.ts';
import { freePort } from '../src/core/net.ts';
import { PERMISSIONS, type Role } from '../src/security/identity/index.ts';
import { Cluster, helloSpec } from './support/cluster.ts';

/**
 * Every route × every role × two environments, through the real server:
 * no credentials → 401, a role that may not → 403, a role that may → not
 * 401/403 (the call itself may still fail for other reasons, like a 404).
 */
const USERS: Record<string, { role: Role; environment: string }[]> = {
  'viewer-dev': [{ role: 'viewer', environment: 'development' }],
  'deployer-staging': [{ role: 'deployer', environment: 'staging' }],
  'approver-all': [{ role: 'approver', environment: '*' }],
  'ops-admin': [{ role: 'admin', environment: '*' }],
  'nobody': [],
};
const SERVICES = { development: 'alpha', staging: 'beta' } as const;

/** What the table says, computed here independently of the server's code. */
function allowed(route: RoutePermission, grants: { role: Role; environment: string }[], environment: string): boolean {
  const roles = PERMISSIONS[route.action];
  const mayIn = (env: string) => grants.some((g) => roles.includes(g.role) && (g.environment === '*' || g.environment === env));
  switch (route.scope) {
    case 'global':
      return grants.some((g) => roles.includes(g.role) && g.environment === '*');
    case 'any':
    case 'spec':
      return grants.some((g) => roles.includes(g.role));
    case 'service':
    case 'deployment':
      return mayIn(environment);
  }
}

describe('authorization of every route, role and environment', () => {
  const cluster = new Cluster();
  const tokens: Record<string, string> = {};
  const deployments: Record<string, number> = {};

  beforeAll(async () => {
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, stringify({ environments: { staging: { instances: { min: 1 } } } }));
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    for (const [environment, service] of Object.entries(SERVICES)) {
      const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port: await freePort(), instances: 1, environment })), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      deployments[environment] = (await cluster.status(service)).deployment.id;
    }
    for (const [user, grants] of Object.entries(USERS)) {
      const result = await cluster.api<{ token: string }>('POST', '/v1/users', { name: user, roles: grants.map((g) => `${g.role}:${g.environment}`) });
      expect(result.status, JSON.stringify(result.body)).toBe(201);
      tokens[user] = result.body.token;
    }
  });
  afterAll(() => cluster.destroy());

  const call = async (route: RoutePermission, environment: keyof typeof SERVICES, token?: string): Promise<number> => {
    const path = route.path
      .replace(':env', environment)
      .replace(':name', route.path.startsWith('/v1/users') ? 'ghost-user' : SERVICES[environment])
      .replace(':id', route.path.startsWith('/v1/keys') ? '999' : String(deployments[environment]))
      .replace(':digest', 'a'.repeat(64))
      .replace(':keyid', 'no-such-key');
    const controller = new AbortController();
    const response = await fetch(`${cluster.url}${path}`, {
      method: route.method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      ...(route.method === 'GET' ? {} : { body: route.path === '/v1/users' ? JSON.stringify({ name: 'ghost-user', roles: [] }) : '{}' }),
      signal: controller.signal,
    });
    controller.abort(); // the event stream never ends by itself
    return response.status;
  };

  // The server refuses to start when a route has no rule in ROUTES, does not
  // run the guard first, or a rule names no route (src/api/app.ts), so the
  // server this suite started serves exactly the routes walked below.
  it('covers every route the server has', () => {
    expect(ROUTES.length).toBeGreaterThan(30);
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.path} (${route.action}, ${route.scope})`, async () => {
      expect(await call(route, 'development')).toBe(401);
      expect(await call(route, 'development', 'cut_not-a-real-token')).toBe(401);
      for (const environment of ['staging', 'development'] as const) {
        for (const [user, grants] of Object.entries(USERS)) {
          const status = await call(route, environment, tokens[user]);
          const expected = allowed(route, grants, environment);
          if (expected) expect([401, 403], `${user} on ${environment} should be allowed, got ${status}`).not.toContain(status);
          else expect(status, `${user} on ${environment} should be forbidden`).toBe(403);
        }
      }
    });
  }
});
