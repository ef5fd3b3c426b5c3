import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * A rolling deployment past its last stable scale-down has nothing to go
 * back to. `npm run chaos` found that killing one of its instances then
 * took all traffic away (every request 503 for seconds): the ending sent
 * traffic to a previous revision with no instance and stopped the new one.
 * Now the new revision keeps serving, the deployment says Failed with how to
 * go back, and not one request fails.
 */
const RATE = 200;
// One instance at a time, no surge: the last batch scales the old revision to 0 before its new instance is up.
const rolling = { rolling: { maxSurge: 0, maxUnavailable: 1 } };
// New instances take 3 s to start, which leaves time to act while the old revision has no instance left.
const slowStart = { command: ['sh', '-c', 'sleep 3; exec node server.js'] };

const cluster = new Cluster();
const service = 'hello-nothing-left';
let port = 0;

beforeAll(async () => {
  port = await freePort();
  await cluster.start();
  const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, strategy: rolling })), '--wait');
  expect(v1.code, v1.stdout + v1.stderr).toBe(0);
});
afterAll(() => cluster.destroy());

it('keeps the new revision serving when an instance exits after the old revision is gone, with no failed request', async () => {
  const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
  const spec = cluster.writeSpec(service, helloSpec({ port, version: '2.0.0', strategy: rolling, run: slowStart }));
  const apply = cluster.cli('apply', '-f', spec);
  expect((await apply).code).toBe(0);

  // The last batch: revision 1 has no instance left, revision 2 serves with its last instance still starting.
  const lastBatch = await waitFor('the last batch: no instance of revision 1, two of revision 2 ready, one starting', async () => {
    const status = await cluster.status(service);
    const old = status.instances.filter((i) => i.revision === 1);
    const ready = status.instances.filter((i) => i.revision === 2 && i.state === 'ready' && i.pid !== null);
    const starting = status.instances.filter((i) => i.revision === 2 && i.state !== 'ready');
    return old.length === 0 && ready.length === 2 && starting.length === 1 ? status : undefined;
  }, 120_000);
  const victim = lastBatch.instances.find((i) => i.revision === 2 && i.state === 'ready')!;
  process.kill(victim.pid!, 'SIGKILL');

  const ended = await waitFor('the deployment to end', async () => {
    const status = await cluster.status(service);
    return status.deployment.finishedAt !== null ? status : undefined;
  }, 120_000);
  // Self-healing brings the serving revision back to 3 instances.
  await waitFor('three ready instances of revision 2', async () => ((await cluster.status(service)).instances.filter((i) => i.revision === 2 && i.state === 'ready').length === 3 ? true : undefined), 120_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const report = await load.stop();

  expect(ended.phase).toBe('Failed');
  expect(ended.message).toMatch(/revision 2 keeps serving/);
  expect(ended.message).toMatch(/--to-revision 1/);
  expect(ended.weights).toEqual({ '2': 100 });
  expect(ended.stableRevision).toBe(2);
  expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
});
