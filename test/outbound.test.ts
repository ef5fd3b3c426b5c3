import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, runCli } from './support/cluster.ts';

/**
 * No SSRF (issue 9, finding 6), against a real server: a development
 * deployer's `http` and `prometheus` providers and http hooks call only what
 * development's outbound allow list (server config) names. Pointed at the
 * router's loopback admin endpoint — by name, in decimal, as an IPv4-mapped
 * IPv6 address, or through a redirect from an allowed host — they get
 * nothing back; the measurement or hook failure names the host and the
 * config key that would allow it.
 */
describe('outbound calls of a deployer', () => {
  const cluster = new Cluster();
  const service = 'ssrf';
  let mallory = '';
  let port = 0;
  let stub: Server;
  let stubPort = 0;
  let stubCalls = 0;
  let adminPort = 0;
  let routerPid = 0;

  const asMallory = (...args: string[]) => runCli(args, { CUTOVER_SERVER: cluster.url, CUTOVER_DATA_DIR: cluster.dataDir, CUTOVER_TOKEN: mallory });
  /** Every measurement and hook result the service's deployments recorded, as one text. */
  const recorded = async () => JSON.stringify((await cluster.api<{ events: unknown[] }>('GET', `/v1/events?service=${service}`)).body.events);

  beforeAll(async () => {
    // The one host development may call: a metrics stub that answers JSON, or redirects to wherever ?to= says.
    stub = createServer((req, res) => {
      stubCalls++;
      const to = new URL(req.url ?? '/', 'http://stub').searchParams.get('to');
      if (to) res.writeHead(302, { location: to }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: 0 }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    stubPort = (stub.address() as AddressInfo).port;
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, stringify({ environments: { development: { outbound: { allow: [`127.0.0.1:${stubPort}`] } } } }));
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    mallory = (await cluster.api<{ token: string }>('POST', '/v1/users', { name: 'mallory', roles: ['deployer:development'] })).body.token;
    port = await freePort();
    const v1 = await asMallory('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 1 })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    adminPort = (await cluster.status(service)).router!.adminPort;
    routerPid = ((await (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).json()) as { pid: number }).pid;
  });
  afterAll(async () => {
    await cluster.destroy();
    await new Promise<void>((resolve) => stub.close(() => resolve()));
  });

  it("reads nothing of the router's loopback admin endpoint through http and prometheus providers, however the address is written", async () => {
    const peek = (name: string, provider: Record<string, unknown>) => ({ name, provider, count: 1, interval: '1s' });
    const metrics = [
      peek('by-address', { http: { url: `http://127.0.0.1:${adminPort}/healthz`, jsonPath: '$.pid' } }),
      peek('in-decimal', { http: { url: `http://2130706433:${adminPort}/healthz`, jsonPath: '$.pid' } }),
      peek('ipv4-mapped', { http: { url: `http://[::ffff:127.0.0.1]:${adminPort}/healthz`, jsonPath: '$.pid' } }),
      peek('by-name', { http: { url: `http://localhost:${adminPort}/healthz`, jsonPath: '$.pid' } }),
      peek('redirected', { http: { url: `http://127.0.0.1:${stubPort}/?to=${encodeURIComponent(`http://127.0.0.1:${adminPort}/healthz`)}`, jsonPath: '$.pid' } }),
      peek('prometheus', { prometheus: { address: `http://127.0.0.1:${adminPort}`, query: 'up' } }),
    ];
    const spec = helloSpec({ port, instances: 1, version: '2.0.0', strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { metrics } }] } } });
    await asMallory('apply', '-f', cluster.writeSpec(service, spec), '--wait');
    const events = await recorded();
    expect(events).toContain('AnalysisMeasured');
    // The router's pid is what a successful read returns; it is nowhere.
    expect(events).not.toMatch(new RegExp(`"value":${routerPid}\\b`));
    for (const host of ['127.0.0.1', '2130706433', '[::ffff:127.0.0.1]', 'localhost']) {
      expect(events).toContain(`GET http://${host}:${adminPort}/healthz refused:`);
    }
    expect(events).toMatch(/127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\); to allow it, add \\"127\.0\.0\.1:\d+\\" to environments\.development\.outbound\.allow in the server config/);
    expect(events).toContain('answered 302 (redirects are not followed)');
    expect(events).toContain(`GET http://127.0.0.1:${adminPort}/api/v1/query?query=up refused:`);
  });

  it("fails an http hook aimed at the router's admin endpoint without calling it, naming the config key", async () => {
    const hooks = { prepare: [{ http: { url: `http://127.0.0.1:${adminPort}/healthz`, method: 'GET' } }] };
    const applied = await asMallory('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 1, version: '3.0.0', hooks })), '--wait');
    expect(applied.code).not.toBe(0);
    const events = await recorded();
    expect(events).toMatch(new RegExp(`prepare hook \`GET http://127\\.0\\.0\\.1:${adminPort}/healthz\` failed after 1 attempt\\(s\\): GET http://127\\.0\\.0\\.1:${adminPort}/healthz refused: 127\\.0\\.0\\.1 is a loopback address`));
  });

  it('still measures with what the allow list names', async () => {
    const before = stubCalls;
    const metrics = [{ name: 'allowed', provider: { http: { url: `http://127.0.0.1:${stubPort}/`, jsonPath: '$.errors' } }, count: 1, interval: '1s', successCondition: 'result == 0' }];
    const spec = helloSpec({ port, instances: 1, version: '4.0.0', strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { metrics } }] } } });
    const applied = await asMallory('apply', '-f', cluster.writeSpec(service, spec), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(stubCalls).toBeGreaterThan(before);
  });
});
