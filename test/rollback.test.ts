import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { TRAFFIC_ROUTERS } from './support/routers.ts';

/**
 * A new version that never becomes healthy, or that crashes once it serves,
 * is rolled back by itself while users keep being answered by v1. Part of the
 * traffic-router contract: it runs unchanged against every router.
 */
const RATE = 300;
const canary = { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '4s' } }, { setWeight: 50 }, { pause: { duration: '4s' } }] } };

for (const router of TRAFFIC_ROUTERS) router.gate.describe(`automatic rollback through the ${router.name} router`, () => {
  const cluster = new Cluster();
  let port = 0;
  const service = `hello-rollback`;

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, strategy: canary, ...router.spec })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
  });
  afterAll(() => cluster.destroy());

  it('rolls back a version that fails its health check (FAIL_HEALTH=1), with no failed request', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    const spec = cluster.writeSpec(service, helloSpec({ port, version: '2.0.0', strategy: canary, ...router.spec, run: { command: ['node', 'server.js'], env: { FAIL_HEALTH: '1' } }, healthCheck: { path: '/healthz', interval: '500ms', timeout: '1s', startupTimeout: '3s' } }));
    const result = await cluster.cli('apply', '-f', spec, '--wait');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();

    expect(result.code, result.stdout).toBe(1);
    const status = await cluster.status(service);
    expect(status.phase).toBe('RolledBack');
    expect(status.message).toMatch(/health check/);
    expect(status.message).toMatch(/hello-rollback-development-r2-/); // names the instance
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.byVersion['2.0.0']).toBeUndefined();
    expect(status.weights).toEqual({ '1': 100 });
    expect(status.instances.every((i) => i.revision === 1)).toBe(true);
    expect(cluster.processes().filter((p) => p.instance?.includes('-r2-'))).toEqual([]);
  });

  // Behind HAProxy, the request in flight on the crashing instance is retried like the built-in router does
  // (retry-on empty-response with option redispatch, idempotent methods only: src/traffic/haproxy/config-file.ts).
  it('rolls back a version that crashes after it started serving (CRASH_AFTER_MS), with no failed request', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    const spec = cluster.writeSpec(service, helloSpec({ port, version: '3.0.0', strategy: canary, ...router.spec, run: { command: ['node', 'server.js'], env: { CRASH_AFTER_MS: '2500' } } }));
    const result = await cluster.cli('apply', '-f', spec, '--wait');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();

    expect(result.code, result.stdout).toBe(1);
    const status = await cluster.status(service);
    expect(status.phase).toBe('RolledBack');
    expect(status.message).toMatch(/exited/);
    expect(status.message).toMatch(/hello-rollback-development-r\d+-/);
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.byVersion['3.0.0'] ?? 0).toBeGreaterThan(0); // it did serve before it crashed
    expect(lastVersions(report, 800)).toEqual({ '1.0.0': expect.any(Number) });
    expect(status.weights).toEqual({ '1': 100 });
  });

  it('lists both failed revisions as RolledBack in the history', async () => {
    const history = await cluster.cli('history', service, '-o', 'json');
    const entries = JSON.parse(history.stdout) as { revision: number; outcome: string; digest: string }[];
    expect(entries.map((e) => [e.revision, e.outcome])).toEqual([[1, 'Succeeded'], [2, 'RolledBack'], [3, 'RolledBack']]);
    expect(entries[0]!.digest).toMatch(/^[a-f0-9]{64}$/);
  });

  it('aborts a paused canary under load: traffic back to stable, the canary stopped, no failed request', async () => {
    const manual = { canary: { steps: [{ setWeight: 30 }, { pause: {} }] } };
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '4.0.0', strategy: manual, ...router.spec })));
    expect(applied.code, applied.stderr).toBe(0);
    await waitFor('the canary to pause', async () => (await cluster.status(service)).phase === 'Paused', 60_000);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const aborted = await cluster.cli('abort', service, '--wait');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();

    expect(aborted.code, aborted.stdout + aborted.stderr).toBe(0);
    const status = await cluster.status(service);
    expect(status.phase).toBe('Aborted');
    expect(status.weights).toEqual({ '1': 100 });
    expect(status.instances.every((i) => i.revision === 1)).toBe(true);
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.byVersion['4.0.0']).toBeGreaterThan(0);
    expect(lastVersions(report, 800)).toEqual({ '1.0.0': expect.any(Number) });
  });
});
