import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec } from './support/cluster.ts';
import { TRAFFIC_ROUTERS } from './support/routers.ts';

/**
 * For each strategy: v1, then v2 under >= 300 requests/s through the real
 * router, real instances and a real control plane. Not one request may fail,
 * and at the end every request is answered by v2. Part of the traffic-router
 * contract: it runs unchanged against every router (test/support/routers.ts).
 */
const RATE = 320;

const STRATEGIES: Record<string, Record<string, unknown>> = {
  rolling: { rolling: { maxSurge: 1, maxUnavailable: 0 } },
  blueGreen: { blueGreen: { autoPromote: true, scaleDownDelay: '2s' } },
  canary: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '2s' } }, { setWeight: 50 }, { pause: { duration: '2s' } }] } },
};

for (const router of TRAFFIC_ROUTERS) router.gate.describe(`through the ${router.name} router`, () => {
describe.each(Object.entries(STRATEGIES))('a %s deployment', (name, strategy) => {
  const cluster = new Cluster();
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  it('moves all traffic from v1 to v2 without one failed request', async () => {
    const service = `hello-${name.toLowerCase()}`;
    const v1 = cluster.writeSpec(service, helloSpec({ version: '1.0.0', port, strategy, ...router.spec }));
    const first = await cluster.cli('apply', '-f', v1, '--wait');
    expect(first.code, first.stdout + first.stderr + cluster.log()).toBe(0);

    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const v2 = cluster.writeSpec(service, helloSpec({ version: '2.0.0', port, strategy, ...router.spec }));
    const second = await cluster.cli('apply', '-f', v2, '--wait');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const report = await load.stop();

    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.sent).toBeGreaterThan(RATE * 3);
    expect(report.sent / (report.durationMs / 1000)).toBeGreaterThanOrEqual(RATE * 0.9);
    expect(report.byVersion['1.0.0']).toBeGreaterThan(0);
    expect(lastVersions(report, 1000)).toEqual({ '2.0.0': expect.any(Number) });

    const status = await cluster.status(service);
    expect(status.phase).toBe('Succeeded');
    expect(status.weights).toEqual({ [String(status.revision)]: 100 });
    expect(status.stableRevision).toBe(status.revision);
  });
});
});
