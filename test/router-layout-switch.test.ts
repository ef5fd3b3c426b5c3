import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad, type LoadRun } from '../src/load/index.ts';
import { isProcessAlive, signalGroup } from '../src/platforms/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * Issue 11: one router host per data dir is the default layout. A data dir
 * whose services each have a router of their own (an upgrade, or
 * CUTOVER_ROUTER_LAYOUT=per-service before) keeps serving with no failed
 * request: the routers of their own are adopted where they are, new
 * services go to the host, and a service moves to the host when its own
 * router stops. Switching back to per-service leaves the host's services
 * where they are, and the host is swept once it serves none.
 */
describe('a data dir that switches router layout', { timeout: 600_000 }, () => {
  const cluster = new Cluster();
  const ports: Record<string, number> = {};
  const loads: Record<string, LoadRun> = {};
  const routers = (): { pid: number; router?: string }[] => cluster.processes().filter((p) => p.router && isProcessAlive(p.pid));
  const routerOf = (mark: string): number | undefined => routers().find((p) => p.router === mark)?.pid;
  const apply = async (service: string, version = '1.0.0'): Promise<void> => {
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port: ports[service], instances: 1, version })), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  };
  const failed = (): Record<string, number> => Object.fromEntries(Object.entries(loads).map(([service, load]) => [service, load.snapshot().failed]));
  const answered = (service: string): Promise<boolean> => fetch(`http://127.0.0.1:${ports[service]}/`).then((r) => r.ok, () => false);

  beforeAll(async () => {
    for (const service of ['old', 'fresh', 'third']) ports[service] = await freePort();
    cluster.serverEnv = { CUTOVER_ROUTER_LAYOUT: 'per-service' };
    await cluster.start();
    await apply('old');
    loads.old = startLoad({ url: `http://127.0.0.1:${ports.old}/`, ratePerSecond: 40 });
    await waitFor('the load to be answered', () => loads.old!.snapshot().ok > 20, 30_000);
  });
  afterAll(async () => {
    for (const load of Object.values(loads)) await load.stop();
    await cluster.destroy();
  });

  it('adopts the routers of their own under the default layout: no request fails, new services go to the host', async () => {
    const own = routerOf('development/old');
    expect(own).toBeDefined();
    await cluster.stopServer();
    cluster.serverEnv = {};
    await cluster.start();
    await apply('fresh');
    loads.fresh = startLoad({ url: `http://127.0.0.1:${ports.fresh}/`, ratePerSecond: 40 });
    // The adopted router deploys a new version with no port changing hands.
    await apply('old', '2.0.0');
    expect(routerOf('development/old')).toBe(own);
    expect(routerOf('host')).toBeDefined();
    await waitFor('the load on fresh to be answered', () => loads.fresh!.snapshot().ok > 20, 30_000);
    expect(failed()).toEqual({ old: 0, fresh: 0 });
  });

  it('moves a service to the host when its own router stops, and leaves no router of its own', async () => {
    const own = routerOf('development/old')!;
    const before = failed();
    // An operator's restart of that router: its whole group, gracefully.
    signalGroup(own, 'SIGTERM');
    await waitFor('the old router to exit', () => !isProcessAlive(own), 30_000);
    await waitFor('old to be served by the host', async () => routerOf('development/old') === undefined && (await answered('old')), 120_000);
    const gap = failed().old! - before.old!;
    console.log(`moving "old" to the host after its router stopped: ${gap} of the load's requests failed in the gap`);
    expect(failed().fresh).toBe(before.fresh);
    await apply('old', '3.0.0');
    expect(routers().map((p) => p.router)).toEqual(['host']);
    expect(await answered('old')).toBe(true);
  });

  it('switching back to per-service keeps the host serving its services, starts new ones alone, and sweeps the host once it serves none', async () => {
    const host = routerOf('host')!;
    const before = failed();
    await cluster.stopServer();
    cluster.serverEnv = { CUTOVER_ROUTER_LAYOUT: 'per-service' };
    await cluster.start();
    await apply('third');
    expect(routerOf('development/third')).toBeDefined();
    await apply('fresh', '2.0.0');
    expect(routerOf('host')).toBe(host);
    expect(failed()).toEqual(before);

    for (const service of ['old', 'fresh']) {
      await loads[service]!.stop();
      delete loads[service];
      const deleted = await cluster.cli('delete', service, '--env', 'development');
      expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    }
    await waitFor('the emptied host to be swept', () => !isProcessAlive(host), 30_000);
    expect(cluster.log()).toContain('stopping the router host');
    expect(routers().map((p) => p.router)).toEqual(['development/third']);
    expect(await answered('third')).toBe(true);
  });
});
