import { describe, expect, it } from 'vitest';
import { SimulatedPlatform } from '../../platforms/index.ts';
import { SimulatedTrafficRouter } from './simulated-router.ts';

const ref = { service: 'shop', environment: 'sim' };

async function world(outcomes: Record<number, Record<string, string>>) {
  let now = 1_000_000;
  const platform = new SimulatedPlatform(() => now);
  const router = new SimulatedTrafficRouter(platform, { requestsPerSecond: 1000, now: () => now });
  const backends = [];
  for (const [revision, env] of Object.entries(outcomes)) {
    for (const n of [1, 2]) {
      const id = `shop-sim-r${revision}-${n}`;
      await platform.start({ id, ...ref, revision: Number(revision), version: revision, dir: '/', command: ['x'], env, port: 1, logPath: '/dev/null' });
      backends.push({ id, revision: Number(revision), port: 1, inRotation: true });
    }
  }
  return { router, backends, advance: (ms: number) => (now += ms) };
}

describe('the simulated traffic router', () => {
  it('splits the requests of the elapsed time by weight and answers with each revision instance\'s configured error rate', async () => {
    const { router, backends, advance } = await world({ 1: { CUTOVER_SIMULATED_ERROR_RATE: '0' }, 2: { CUTOVER_SIMULATED_ERROR_RATE: '0.5' } });
    await router.apply({ ...ref, port: 8080, weights: { 1: 80, 2: 20 }, backends, healthCheck: { path: '/', intervalMs: 1000, timeoutMs: 1000, unhealthyThreshold: 3 } });
    advance(10_000);
    const stats = await router.stats(ref);
    const stable = stats.revisions['1']!;
    const canary = stats.revisions['2']!;
    expect(stable.requests + canary.requests).toBe(5000);
    expect(canary.requests / 5000).toBeGreaterThan(0.15);
    expect(canary.requests / 5000).toBeLessThan(0.25);
    expect(stable.errors5xx).toBe(0);
    expect(canary.errors5xx / canary.requests).toBeGreaterThan(0.4);
    expect(canary.errors5xx / canary.requests).toBeLessThan(0.6);
    const samples = await router.samples(ref, 0);
    expect(samples.seq).toBe(5000);
    expect(samples.revision).toHaveLength(2048);
    expect(samples.dropped).toBe(5000 - 2048);
  });

  it('answers 503 itself for a revision with weight but no instance in rotation', async () => {
    const { router, backends, advance } = await world({ 1: {} });
    await router.apply({ ...ref, port: 8080, weights: { 1: 50, 3: 50 }, backends, healthCheck: { path: '/', intervalMs: 1000, timeoutMs: 1000, unhealthyThreshold: 3 } });
    advance(1000);
    const stats = await router.stats(ref);
    expect(stats.revisions['3']!.routerErrors).toBe(stats.revisions['3']!.requests);
    expect(stats.revisions['1']!.routerErrors).toBe(0);
  });

  it('has no port to check and nothing in flight, and forgets a removed service', async () => {
    const { router, backends } = await world({ 1: {} });
    await router.apply({ ...ref, port: 8080, weights: { 1: 100 }, backends, healthCheck: { path: '/', intervalMs: 1000, timeoutMs: 1000, unhealthyThreshold: 3 } });
    expect(await router.serving(ref)).toBeNull();
    expect(router.listensOnPort()).toBe(false);
    expect(await router.drain()).toEqual({ drained: true, inFlight: 0 });
    await router.remove(ref);
    expect(await router.serving(ref)).toMatch(/no simulated router/);
  });
});
