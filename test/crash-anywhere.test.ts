import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * SIGKILL of the control plane at several instants of one rolling
 * deployment (while instances start, while they drain, between steps): each
 * new server resumes where the store says, and the deployment converges with
 * no failed request, no duplicate and no orphan process.
 */
describe('a control plane killed again and again during a rolling deployment', () => {
  const cluster = new Cluster();
  const service = 'hello-anywhere';
  let port = 0;
  const strategy = { rolling: { maxSurge: 1, maxUnavailable: 0 } };

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  it('converges to the new revision with nothing lost, duplicated or orphaned', async () => {
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 4, strategy })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 300 });
    const slow = { path: '/healthz', interval: '500ms', timeout: '1s', healthyThreshold: 2, startupTimeout: '20s' };
    // `apply --wait` follows the deployment through every restart of the server.
    const applying = cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 4, version: '2.0.0', strategy, healthCheck: slow, drainTimeout: '3s' })), '--wait');
    await waitFor('the deployment of revision 2 to start', async () => (await cluster.status(service)).revision === 2);
    // Kill at staggered instants: early (instances starting), then later (draining, between steps).
    for (const delay of [300, 900, 1500]) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if ((await cluster.status(service)).phase === 'Succeeded') break;
      await cluster.stopServer('SIGKILL');
      await cluster.start();
    }
    const done = await waitFor('the deployment to succeed', async () => {
      const status = await cluster.status(service);
      return status.phase === 'Succeeded' ? status : null;
    }, 120_000);
    const applied = await applying;
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(lastVersions(report, 800)).toEqual({ '2.0.0': expect.any(Number) });
    expect(done.instances.map((i) => i.revision)).toEqual([2, 2, 2, 2]);
    await waitFor('only the recorded instances to run', () => {
      const running = cluster.processes().filter((p) => p.instance).map((p) => p.instance!).sort();
      return JSON.stringify(running) === JSON.stringify(done.instances.map((i) => i.id).sort());
    }, 30_000);
    expect(cluster.processes().filter((p) => p.router)).toHaveLength(1);
  });
});
