import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Program, programFile } from '../src/core/entry.ts';
import { freePort } from '../src/core/net.ts';
import { isProcessAlive, signalGroup } from '../src/platforms/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/** Whether nothing listens on 127.0.0.1:port any more (a leaked router would hold it). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Issue 12, finding 3: deletes are final and sweeps cover routers. Concurrent
 * deletes leaked a router (1 of 20): a push being retried restarted it after
 * the delete stopped it; it held the port, survived a restart (only instances
 * were swept) and blocked a re-apply.
 */
// Both layouts: the default, one router host for every service (it stays, serving none), and a router per service.
for (const layout of ['shared', 'per-service'] as const) describe(`deleting many services at once (CUTOVER_ROUTER_LAYOUT=${layout})`, () => {
  const cluster = new Cluster();
  cluster.serverEnv = { CUTOVER_ROUTER_LAYOUT: layout };
  const services = Array.from({ length: 6 }, (_, i) => `sweep-${i}`);
  const ports = new Map<string, number>();
  const hostServices = async (): Promise<string[]> => {
    const dir = join(cluster.dataDir, 'routers');
    const answer = await fetch(`http://127.0.0.1:${readFileSync(join(dir, 'host-port'), 'utf8').trim()}/services`, { headers: { authorization: `Bearer ${readFileSync(join(dir, 'host-token'), 'utf8').trim()}` } });
    return ((await answer.json()) as { services: { key: string }[] }).services.map((service) => service.key);
  };

  beforeAll(async () => {
    for (const service of services) ports.set(service, await freePort());
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  it('leaves no router of a service and no instance, frees every port, and the services can be applied again', async () => {
    const applied = await Promise.all(services.map((service) => cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port: ports.get(service)!, instances: 1 })), '--wait')));
    for (const result of applied) expect(result.code, result.stdout + result.stderr).toBe(0);
    if (layout === 'shared') {
      expect(cluster.processes().filter((p) => p.router).map((p) => p.router)).toEqual(['host']);
      expect((await hostServices()).sort()).toEqual(services.map((service) => `development/${service}`));
    } else {
      expect(cluster.processes().filter((p) => p.router)).toHaveLength(services.length);
    }

    const deleted = await Promise.all(services.map((service) => cluster.cli('delete', service, '--env', 'development')));
    for (const result of deleted) expect(result.code, result.stdout + result.stderr).toBe(0);

    // A push retried after the delete would start a router a moment later: wait a little, then look.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await waitFor('every router of a service and every instance to be gone', () => cluster.processes().every(({ pid, router }) => router === 'host' || !isProcessAlive(pid)), 30_000);
    if (layout === 'shared') expect(await hostServices()).toEqual([]);
    for (const service of services) expect(await portIsFree(ports.get(service)!), `port of ${service}`).toBe(true);

    const again = await cluster.cli('apply', '-f', cluster.writeSpec(services[0]!, helloSpec({ port: ports.get(services[0]!)!, instances: 1, version: '2.0.0' })), '--wait');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect((await fetch(`http://127.0.0.1:${ports.get(services[0]!)}/`)).status).toBe(200);
  });
});

describe('a server started where a killed server left an ownerless router', () => {
  const cluster = new Cluster();
  const other = new Cluster();
  const leftovers: number[] = [];

  beforeAll(async () => {
    await cluster.start();
    await other.start();
  });
  afterAll(async () => {
    for (const pid of leftovers) signalGroup(pid, 'SIGKILL');
    await cluster.destroy();
    await other.destroy();
  });

  /** A real router process marked as `dataDir`'s router of `mark`, as the server starts them (detached, its own group). */
  async function strayRouter(dataDir: string, mark: string): Promise<number> {
    const tokenFile = join(dataDir, `stray-${leftovers.length}.token`);
    writeFileSync(tokenFile, `${'s'.repeat(43)}\n`, { mode: 0o600 });
    const child = spawn(
      process.execPath,
      [programFile(Program.router, 'dist'), '--state-file', join(dataDir, `stray-${leftovers.length}.json`), '--admin-port', String(await freePort()), '--token-file', tokenFile],
      { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH ?? '', CUTOVER_DATA_DIR: dataDir, CUTOVER_ROUTER: mark } },
    );
    child.unref();
    leftovers.push(child.pid!);
    return child.pid!;
  }

  it('stops it at start, and leaves another server\'s router alone', async () => {
    const port = await freePort();
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec('kept', helloSpec({ port, instances: 1 })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const kept = cluster.processes().find((p) => p.router)!;
    await cluster.stopServer('SIGKILL');

    const ownerless = await strayRouter(cluster.dataDir, 'development/gone');
    const foreign = await strayRouter(other.dataDir, 'development/gone');
    await waitFor('the stray routers to run', () => isProcessAlive(ownerless) && isProcessAlive(foreign));

    await cluster.start();
    await waitFor('the ownerless router to be stopped', () => !isProcessAlive(ownerless), 30_000);
    expect(cluster.log()).toContain('stopping a router no service owns');
    // Another server's router (another data dir's mark) and this server's own, adopted, keep running.
    expect(isProcessAlive(foreign)).toBe(true);
    expect(isProcessAlive(kept.pid)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });
});
