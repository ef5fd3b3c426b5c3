import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { requireSwarm } from './support/swarm.ts';

/**
 * End to end on the swarm platform: a real control plane whose development
 * environment runs on a three-node swarm (a manager on this host, two
 * workers in network namespaces, test/support/swarm.ts), the built-in
 * router sending each request to a task's node address. A SIGKILLed
 * control plane's successor adopts the services and finishes the
 * deployment; a worker killed mid-canary at 320 requests/s costs at most
 * the requests in flight on it, and its node is named. One swarm for the
 * file.
 *
 * Not here yet: every strategy from v1 to v2 at >= 300 requests/s with 0
 * failures, and the judge's rollback under load. On this machine the first
 * deployment of a fresh service under load stalled in most runs: from
 * about 15 s in, requests to the new revision's tasks waited seconds for a
 * connection (the client's ETIMEDOUT_QUEUED), while a later deployment of
 * the same service lost none; cause not found (issue 17, open), and the
 * judge then saw too few canary answers. `npm run bench -- --platform
 * swarm` prints those figures.
 */
const RATE = 320;
const gate = await requireSwarm();

/**
 * hello's spec with a health check that tolerates a stall of a few seconds:
 * on the loaded 2-core machine a task's health check once took more than
 * 1 s three times in a row while Swarm stopped another task on the same
 * node (the test's default of 1 s and 3 rolled that canary back).
 */
const swarmSpec = (overrides: Record<string, unknown>) =>
  helloSpec({ healthCheck: { path: '/healthz', interval: '500ms', timeout: '2s', healthyThreshold: 1, unhealthyThreshold: 5, startupTimeout: '60s' }, ...overrides });

interface ServiceView {
  ID: string;
  Spec: { Labels: Record<string, string> };
}

gate.describe('services on a three-node swarm', () => {
  const cluster = new Cluster();
  const ports: Record<string, number> = {};
  const swarm = () => gate.swarm!;
  const services = async (service?: string) =>
    (
      await swarm().manager.api.call<ServiceView[]>({ path: '/services', query: { filters: JSON.stringify({ label: [service ? `cutover.service=${service}` : 'cutover.service'] }) } })
    ).map((s) => s.Spec.Labels);
  /** The addresses of the nodes the running tasks of the service's current revision are on. */
  const nodesOf = async (service: string): Promise<string[]> => {
    const status = await cluster.status(service);
    const ids = new Set(status.instances.filter((i) => i.revision === status.revision).map((i) => i.id));
    const nodes = await swarm().manager.api.call<{ ID: string; Status: { Addr: string } }[]>({ path: '/nodes' });
    const tasks = await swarm().manager.api.call<{ NodeID: string; Spec: { ContainerSpec: { Labels?: Record<string, string> } }; Status: { State: string } }[]>({ path: '/tasks' });
    return tasks
      .filter((t) => t.Status.State === 'running' && ids.has(t.Spec.ContainerSpec.Labels?.['cutover.instance'] ?? ''))
      .map((t) => nodes.find((n) => n.ID === t.NodeID)?.Status.Addr ?? '?');
  };
  /** Every cutover service on the swarm belongs to an instance the control plane lists. */
  const expectNoUnownedService = async (names: string[]) => {
    for (const name of names) {
      const owned = new Set((await cluster.status(name)).instances.map((instance) => instance.id));
      const unowned = (await services(name)).filter((labels) => !owned.has(labels['cutover.instance'] ?? ''));
      expect(unowned, `services of ${name} on the swarm that no instance record owns`).toEqual([]);
    }
  };

  beforeAll(async () => {
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, 'environments:\n  development:\n    platform: swarm\n');
    cluster.serverArgs = ['--config', config];
    // The server finds the swarm's manager where users point it: DOCKER_HOST.
    process.env.DOCKER_HOST = swarm().manager.host;
    await cluster.start();
  }, 120_000);
  afterAll(() => cluster.destroy(), 180_000);

  gate.it('finishes a deployment after a SIGKILL of the control plane mid-canary: the new one adopts the services', async () => {
    const service = 'hello-canary';
    const port = await freePort();
    ports[service] = port;
    const first = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ version: '2.0.0', port, strategy: { canary: { steps: [{ setWeight: 20 }] } } })), '--wait');
    expect(first.code, first.stdout + first.stderr + cluster.log()).toBe(0);
    const strategy = { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '8s' } }] } };
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ version: '3.0.0', port, strategy })));
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await waitFor('the canary to take traffic', async () => (await cluster.status(service)).weights?.[String((await cluster.status(service)).revision)] === 20, 120_000);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 100 });
    await cluster.stopServer('SIGKILL');
    await cluster.start();
    await waitFor('the deployment to finish', async () => (await cluster.status(service)).phase === 'Succeeded', 180_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    expect(cluster.log()).toContain('instance adopted');
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(lastVersions(report, 1000)).toEqual({ '3.0.0': expect.any(Number) });
    await expectNoUnownedService([service]);
  }, 300_000);

  gate.it('loses at most the requests in flight when a worker\'s engine is killed mid-canary, and names the node', async () => {
    const service = 'hello-canary';
    const port = ports[service]!;
    const strategy = { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '30s' } }] } };
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ version: '4.0.0', port, strategy })));
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await waitFor('the canary to take traffic', async () => (await cluster.status(service)).weights?.[String((await cluster.status(service)).revision)] === 50, 120_000);
    // The worker with the most of this service's tasks (stable and canary) is lost.
    const nodes = await nodesOf(service);
    const victim = swarm().workers.sort((a, b) => nodes.filter((n) => n === b.address).length - nodes.filter((n) => n === a.address).length)[0]!;
    const onVictim = nodes.filter((n) => n === victim.address).length;
    victim.kill();
    await waitFor('the deployment to end', async () => ['Succeeded', 'RolledBack', 'Failed'].includes((await cluster.status(service)).phase), 240_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    const status = await cluster.status(service);
    console.info(`worker ${victim.hostname} with ${onVictim} of the service's tasks killed: ${report.failed} of ${report.sent} requests failed (${JSON.stringify(report.failedBy)}); the deployment ${status.phase}: ${status.message}`);
    // In flight on the lost node at 320 requests/s: a few per task at most; the router retries refused connections elsewhere.
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBeLessThanOrEqual(Math.max(5, onVictim * 5));
    if (status.phase !== 'Succeeded') expect(status.message).toContain(victim.hostname);
    else if (onVictim > 0) expect(cluster.log()).toContain(victim.hostname);
    // Nothing on the surviving nodes runs that no record owns; the lost node's processes are all dead.
    await waitFor('the lost node\'s services to be removed', async () => {
      const owned = new Set((await cluster.status(service)).instances.map((i) => i.id));
      return (await services(service)).every((labels) => owned.has(labels['cutover.instance'] ?? ''));
    }, 120_000);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  }, 400_000);
});
