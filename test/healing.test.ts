import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/** An instance of the stable revision that dies is routed around at once and replaced by a healthy one. */
describe('a stable instance that dies between deployments', () => {
  const cluster = new Cluster();
  const service = 'hello-heal';
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  it('is replaced, with no failed request', async () => {
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 3 })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const before = await cluster.status(service);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 300 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const victim = before.instances[0]!;
    process.kill(victim.pid!, 'SIGKILL');
    const healed = await waitFor('three healthy instances again, one of them new', async () => {
      const status = await cluster.status(service);
      const healthy = status.instances.filter((i) => i.healthy);
      return healthy.length === 3 && !healthy.some((i) => i.id === victim.id) ? status : null;
    }, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const report = await load.stop();
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(healed.instances.every((i) => i.revision === 1)).toBe(true);
    const events = await cluster.api<{ events: { type: string }[] }>('GET', `/v1/events?service=${service}`);
    expect(events.body.events.map((e) => e.type)).toContain('InstanceReplaced');
  });
});
