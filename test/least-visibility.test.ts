import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec } from './support/cluster.ts';

const PRODUCTION_SECRET = 'Bearer prod-hook-secret-0123456789';

/**
 * Least visibility (issue 9, finding 8), against a real server: a viewer of
 * development reads nothing of production — not its services, events
 * (listed or streamed), environment config, pipelines, metrics or scrape
 * targets — and nobody, admin included, reads a credential from a hook's
 * config. Prometheus' metrics token still scrapes everything.
 */
describe('least visibility', () => {
  const cluster = new Cluster();
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        environments: {
          production: {
            instances: { min: 1 },
            requiresSuccessIn: null,
            approvalRequired: false,
            signatureRequired: false,
            // Never run here (nothing rolls back): only shown.
            hooks: { onRollback: [{ http: { url: 'https://pager:pager-password@pager.example/notify?token=abc123&team=ops', headers: { authorization: PRODUCTION_SECRET, 'x-team': 'ops' } } }] },
          },
        },
        policies: { defaults: false },
      }),
    );
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    for (const [name, roles] of Object.entries({ dev: ['viewer:development'], ops: ['viewer:production'] })) {
      tokens[name] = (await cluster.api<{ token: string }>('POST', '/v1/users', { name, roles })).body.token;
    }
    for (const [name, environment] of [['shop', 'production'], ['web', 'development']] as const) {
      const applied = await cluster.cli('apply', '-f', cluster.writeSpec(name, helloSpec({ port: await freePort(), instances: 1, environment, strategy: { canary: { steps: [] } } })), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    }
  });
  afterAll(() => cluster.destroy());

  const get = async (path: string, token: string) => {
    const response = await fetch(`${cluster.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, text: await response.text() };
  };

  it('lists only the services, events and scrape targets of environments the caller holds a role on', async () => {
    const services = JSON.parse((await get('/v1/services', tokens.dev!)).text) as { services: { service: string; environment: string }[] };
    expect(services.services.map((s) => `${s.service}@${s.environment}`)).toEqual(['web@development']);
    expect(JSON.parse((await get('/v1/services?name=shop', tokens.dev!)).text)).toEqual({ services: [] });

    const events = JSON.parse((await get('/v1/events?after=0', tokens.dev!)).text) as { events: { environment: string }[] };
    expect(events.events.length).toBeGreaterThan(0);
    expect(new Set(events.events.map((e) => e.environment))).toEqual(new Set(['development']));
    // Asking for production by name gives nothing either.
    expect(JSON.parse((await get('/v1/events?after=0&environment=production', tokens.dev!)).text)).toMatchObject({ events: [] });

    const targets = JSON.parse((await get('/v1/metrics/targets', tokens.dev!)).text) as { labels: { environment: string } }[];
    expect(targets.map((t) => t.labels.environment)).toEqual(['development']);

    expect((await get('/v1/pipelines/shop', tokens.dev!)).status).toBe(404);

    // Production's viewer sees production, and not development.
    const theirs = JSON.parse((await get('/v1/services', tokens.ops!)).text) as { services: { environment: string }[] };
    expect(theirs.services.map((s) => s.environment)).toEqual(['production']);
    // An admin sees both.
    const all = JSON.parse((await get('/v1/services', cluster.token)).text) as { services: { environment: string }[] };
    expect(all.services.map((s) => s.environment).sort()).toEqual(['development', 'production']);
  });

  it('streams only the events of environments the caller holds a role on', async () => {
    const controller = new AbortController();
    const response = await fetch(`${cluster.url}/v1/events/stream?after=0`, { headers: { authorization: `Bearer ${tokens.dev}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    const last = Number(JSON.parse((await get('/v1/events', cluster.token)).text).last);
    // Read the backlog: every event up to the newest one the admin sees, or 10 s.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !new RegExp(`^id: ${last}$`, 'm').test(text)) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000))]);
      if (chunk?.value) text += new TextDecoder().decode(chunk.value);
      if (chunk?.done) break;
    }
    controller.abort();
    const data = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as { environment: string });
    expect(data.length).toBeGreaterThan(0);
    expect(new Set(data.map((e) => e.environment))).toEqual(new Set(['development']));
  });

  it("shows an environment's config only to those with a role on it, and credentials as *** to everyone", async () => {
    const list = JSON.parse((await get('/v1/environments', tokens.dev!)).text) as { environments: { name: string }[] };
    expect(list.environments.map((e) => e.name)).toEqual(['development']);
    const refused = await get('/v1/environments/production', tokens.dev!);
    expect(refused.status).toBe(403);
    expect(refused.text).toMatch(/no role on environment production/);

    for (const token of [tokens.ops!, cluster.token]) {
      const production = await get('/v1/environments/production', token);
      expect(production.status).toBe(200);
      expect(production.text).not.toContain('prod-hook-secret');
      expect(production.text).not.toContain('pager-password');
      expect(production.text).not.toContain('abc123');
      const hook = (JSON.parse(production.text) as { hooks: { onRollback: { http: { url: string; headers: Record<string, string> } }[] } }).hooks.onRollback[0]!;
      expect(hook.http.headers).toEqual({ authorization: '***', 'x-team': 'ops' });
      expect(hook.http.url).toBe('https://pager:***@pager.example/notify?token=***&team=ops');
    }
    const every = await get('/v1/environments', cluster.token);
    expect(every.text).not.toContain('prod-hook-secret');
  });

  it("gives a viewer of one environment only that environment's metrics, and Prometheus' token all of them", async () => {
    const mine = await get('/metrics', tokens.dev!);
    expect(mine.status).toBe(200);
    expect(mine.text).toMatch(/environment="development"/);
    expect(mine.text).not.toMatch(/environment="production"/);
    const metricsToken = readFileSync(join(cluster.dataDir, 'metrics-token'), 'utf8').trim();
    const prometheus = await get('/metrics', metricsToken);
    expect(prometheus.text).toMatch(/environment="production"/);
    expect(prometheus.text).toMatch(/environment="development"/);
    const targets = JSON.parse((await get('/v1/metrics/targets', metricsToken)).text) as { labels: { environment: string } }[];
    expect(targets.map((t) => t.labels.environment).sort()).toEqual(['development', 'production']);
  });
});
