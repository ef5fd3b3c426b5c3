import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { TRAFFIC_ROUTERS } from './support/routers.ts';

/**
 * A canary's setHeaderRoute step through a whole control plane, on every
 * router: from the step on, requests whose header matches go to the new
 * version while every other request stays on stable (weight 0); the route
 * ends with the promotion. Not one request of the load fails meanwhile.
 */
const RATE = 200;

async function versionOf(port: number, headers: Record<string, string> = {}): Promise<string> {
  const answer = await fetch(`http://127.0.0.1:${port}/`, { headers });
  return ((await answer.json()) as { version: string }).version;
}

for (const router of TRAFFIC_ROUTERS) router.gate.describe(`a header route through the ${router.name} router`, () => {
  const cluster = new Cluster();
  let port = 0;
  const service = 'hello-beta';
  const strategy = { canary: { steps: [{ setHeaderRoute: { header: 'x-beta', regex: 'yes|true' } }, { pause: {} }, { setWeight: 50 }] } };

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, strategy, ...router.spec })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
  });
  afterAll(() => cluster.destroy());

  router.gate.it('sends the matching requests to the canary before any weight, and ends with the promotion, without a failed request', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '2.0.0', strategy, ...router.spec })));
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await waitFor('the canary to pause', async () => (await cluster.status(service)).phase === 'Paused');
    expect((await cluster.status(service)).weights).toEqual({ '1': 100 });
    for (let i = 0; i < 10; i++) {
      expect(await versionOf(port, { 'x-beta': i % 2 ? 'yes' : 'true' })).toBe('2.0.0');
      expect(await versionOf(port, { 'x-beta': 'no' })).toBe('1.0.0');
      expect(await versionOf(port)).toBe('1.0.0');
    }

    const promoted = await cluster.cli('promote', service, '--wait');
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.byVersion['2.0.0'] ?? 0).toBeGreaterThan(0);
    expect(lastVersions(report, 800)).toEqual({ '2.0.0': expect.any(Number) });
    expect(await versionOf(port, { 'x-beta': 'no' })).toBe('2.0.0');
  }, 180_000);
});
