import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * Durations near their documented maxima are honoured, not overflowed: Node's
 * timers take at most 2^31−1 ms (24.8 days) and fire after 1 ms for anything
 * longer, with a TimeoutOverflowWarning. A 700h pause and a 1h health interval
 * are waited without one oversized timer; the deployment stays paused until
 * promoted. (Durations above the maxima are refused: test/fixtures/specs/invalid.)
 */
describe('a canary paused for 700h with a health check every hour', () => {
  const cluster = new Cluster();
  const service = 'hello-long';
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  const spec = (version: string) =>
    helloSpec({
      port,
      version,
      instances: 1,
      healthCheck: { path: '/healthz', interval: '1h', timeout: '5m', startupTimeout: '24h' },
      progressDeadline: '24h',
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '700h' } }] } },
    });

  it('waits paused without overflowing a timer in the server or the router, then promotes', async () => {
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec('1.0.0')), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const v2 = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec('2.0.0')));
    expect(v2.code, v2.stderr).toBe(0);
    await waitFor('the canary to pause', async () => (await cluster.status(service)).phase === 'Paused');
    // Long enough for an overflowed timer (1 ms) to have fired many times.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await cluster.status(service)).phase).toBe('Paused');
    // The router's log: the router host's (the default layout, one host for every service, its workers' output
    // included), or a router of its own's at routers/<environment>/<service>/ (CUTOVER_ROUTER_LAYOUT=per-service).
    const own = join(cluster.dataDir, 'routers', 'development', service, 'router.log');
    const routerLog = readFileSync(existsSync(own) ? own : join(cluster.dataDir, 'routers', 'host.log'), 'utf8');
    expect(cluster.log()).not.toContain('TimeoutOverflowWarning');
    expect(routerLog).not.toContain('TimeoutOverflowWarning');

    const promoted = await cluster.cli('promote', service, '--wait');
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    const after = await cluster.status(service);
    expect(after.phase).toBe('Succeeded');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect(cluster.log()).not.toContain('TimeoutOverflowWarning');
  });
});
