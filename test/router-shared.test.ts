import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { isProcessAlive } from '../src/platforms/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * Issue 11, memory that scales with services: with CUTOVER_ROUTER_LAYOUT=shared
 * one router (a supervisor and its workers) serves every service of the
 * data dir, each on its own ports with its own admin token; deleting one
 * leaves the others serving, and a SIGKILLed supervisor is taken over with
 * no request refused.
 */
describe('one router for every service (CUTOVER_ROUTER_LAYOUT=shared)', { timeout: 600_000 }, () => {
  const cluster = new Cluster();
  const ports: Record<string, number> = {};
  const previous = process.env.CUTOVER_ROUTER_LAYOUT;
  const routersDir = (): string => join(cluster.dataDir, 'routers');
  const hostToken = (): string => readFileSync(join(routersDir(), 'host-token'), 'utf8').trim();
  const hostPort = (): number => Number(readFileSync(join(routersDir(), 'host-port'), 'utf8').trim());
  const services = async (): Promise<{ key: string; adminPort: number }[]> =>
    ((await (await fetch(`http://127.0.0.1:${hostPort()}/services`, { headers: { authorization: `Bearer ${hostToken()}` } })).json()) as { services: { key: string; adminPort: number }[] }).services;
  const status = async (port: number): Promise<number> => (await fetch(`http://127.0.0.1:${port}/`).catch(() => ({ status: 0 }))).status;

  beforeAll(async () => {
    // The server reads it at start, from the environment it inherits.
    process.env.CUTOVER_ROUTER_LAYOUT = 'shared';
    await cluster.start();
    for (const service of ['alpha', 'beta']) {
      ports[service] = await freePort();
      const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port: ports[service], instances: 1 })), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.CUTOVER_ROUTER_LAYOUT;
    else process.env.CUTOVER_ROUTER_LAYOUT = previous;
    await cluster.destroy();
  });

  it('serves both services from one router process set, each with its own admin token', async () => {
    expect(cluster.processes().filter((p) => p.router).map((p) => p.router)).toEqual(['host']);
    expect(await status(ports.alpha!)).toBe(200);
    expect(await status(ports.beta!)).toBe(200);
    const listed = await services();
    expect(listed.map((service) => service.key).sort()).toEqual(['development/alpha', 'development/beta']);
    const token = (service: string): string => readFileSync(join(routersDir(), 'development', service, 'admin-token'), 'utf8').trim();
    const stats = (adminPort: number, bearer: string): Promise<number> => fetch(`http://127.0.0.1:${adminPort}/stats`, { headers: { authorization: `Bearer ${bearer}` } }).then((r) => r.status);
    const [alpha, beta] = [listed.find((s) => s.key === 'development/alpha')!, listed.find((s) => s.key === 'development/beta')!];
    expect(await stats(alpha.adminPort, token('alpha'))).toBe(200);
    expect(await stats(beta.adminPort, token('alpha'))).toBe(401);
    expect(await stats(beta.adminPort, token('beta'))).toBe(200);
  });

  it('keeps serving when its supervisor is SIGKILLed, and deploys through the router that takes over', async () => {
    const [host] = cluster.processes().filter((p) => p.router === 'host');
    process.kill(host!.pid, 'SIGKILL');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => status(i % 2 ? ports.alpha! : ports.beta!)));
    expect(answers).toEqual(Array(20).fill(200));
    await waitFor('a new router host', () => cluster.processes().some((p) => p.router === 'host' && p.pid !== host!.pid && isProcessAlive(p.pid)), 120_000);
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('alpha', helloSpec({ port: ports.alpha, instances: 1, version: '2.0.0' })), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await status(ports.alpha!)).toBe(200);
  });

  it('deleting a service closes its port and leaves the other serving', async () => {
    const deleted = await cluster.cli('delete', 'alpha', '--env', 'development');
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    await waitFor('alpha to leave the router', async () => (await status(ports.alpha!)) === 0, 30_000);
    expect((await services()).map((service) => service.key)).toEqual(['development/beta']);
    expect(await status(ports.beta!)).toBe(200);
  });
});
