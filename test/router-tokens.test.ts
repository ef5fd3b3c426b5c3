import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * One admin token per router (issue 9, finding 11): the token service A's
 * router was started with does not open service B's router, and a router
 * that outlived a server of the release where all routers shared one token
 * is moved to its own without a restart. Routers of their own
 * (CUTOVER_ROUTER_LAYOUT=per-service, and every router of that older
 * release); under the default layout each service's admin API on the shared
 * host has its own token too (test/router-shared.test.ts).
 */
describe('router admin tokens', () => {
  const cluster = new Cluster();
  cluster.serverEnv = { CUTOVER_ROUTER_LAYOUT: 'per-service' };
  const ports: Record<string, number> = {};

  /** What the router of `service` was started with, read from its command line as anyone on the machine could. */
  function routerOf(service: string): { pid: number; adminPort: number; token: string; tokenFile: string } {
    const router = cluster.processes().find((p) => p.router === `development/${service}`);
    if (!router) throw new Error(`no router process for ${service}`);
    const args = readFileSync(`/proc/${router.pid}/cmdline`, 'utf8').split('\0');
    const tokenFile = args[args.indexOf('--token-file') + 1]!;
    return { pid: router.pid, adminPort: Number(args[args.indexOf('--admin-port') + 1]), tokenFile, token: existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '' };
  }
  const stats = (adminPort: number, token: string) => fetch(`http://127.0.0.1:${adminPort}/stats`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  beforeAll(async () => {
    await cluster.start();
    for (const service of ['alpha', 'beta']) {
      ports[service] = await freePort();
      const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port: ports[service], instances: 1 })), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    }
  });
  afterAll(() => cluster.destroy());

  it("does not open service B's router with the token of service A's", async () => {
    const alpha = routerOf('alpha');
    const beta = routerOf('beta');
    expect(await stats(alpha.adminPort, alpha.token)).toBe(200);
    expect(await stats(beta.adminPort, beta.token)).toBe(200);
    expect(alpha.token).not.toBe(beta.token);
    expect(await stats(beta.adminPort, alpha.token)).toBe(401);
    expect(await stats(alpha.adminPort, beta.token)).toBe(401);
    for (const { tokenFile } of [alpha, beta]) {
      expect(tokenFile.startsWith(join(cluster.dataDir, 'routers') + '/')).toBe(true);
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    }
    expect(existsSync(join(cluster.dataDir, 'router-token'))).toBe(false);
  });

  it('moves routers adopted from a release with one shared token to their own, without restarting them', async () => {
    await cluster.stopServer();
    // What an older release left: both routers answer to one token, written in <data-dir>/router-token, and no own token file.
    const shared = 'S'.repeat(43);
    for (const service of ['alpha', 'beta']) {
      const router = routerOf(service);
      const changed = await fetch(`http://127.0.0.1:${router.adminPort}/token`, { method: 'PUT', headers: { authorization: `Bearer ${router.token}` }, body: JSON.stringify({ token: shared }) });
      expect(changed.status).toBe(200);
      rmSync(router.tokenFile);
    }
    writeFileSync(join(cluster.dataDir, 'router-token'), `${shared}\n`, { mode: 0o600 });
    const before = { alpha: routerOf('alpha').pid, beta: routerOf('beta').pid };

    await cluster.start();
    // The adopted router keeps working: a new version deploys through it.
    const v2 = await cluster.cli('apply', '-f', cluster.writeSpec('alpha', helloSpec({ port: ports.alpha, instances: 1, version: '2.0.0' })), '--wait');
    expect(v2.code, v2.stdout + v2.stderr).toBe(0);
    await waitFor('the shared token file to be retired', () => !existsSync(join(cluster.dataDir, 'router-token')));
    const alpha = { ...routerOf('alpha'), token: readFileSync(join(cluster.dataDir, 'routers/development/alpha/admin-token'), 'utf8').trim() };
    const beta = { ...routerOf('beta'), token: readFileSync(join(cluster.dataDir, 'routers/development/beta/admin-token'), 'utf8').trim() };
    expect({ alpha: alpha.pid, beta: beta.pid }).toEqual(before);
    expect(await stats(alpha.adminPort, alpha.token)).toBe(200);
    expect(await stats(beta.adminPort, beta.token)).toBe(200);
    expect(await stats(beta.adminPort, alpha.token)).toBe(401);
    expect(await stats(alpha.adminPort, shared)).toBe(401);
    expect(await stats(beta.adminPort, shared)).toBe(401);
  });
});
