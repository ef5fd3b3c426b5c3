import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

/**
 * The dark launch: a canary's setMirrorRoute step copies live requests to
 * the new revision before any user is served by it; the comparative judge
 * compares its discarded answers with stable's. A canary that answers 500
 * is rolled back with not one user-visible failure. Built-in router only:
 * the HAProxy driver refuses the step, naming the way out.
 */
const RATE = 300;
const darkLaunch = {
  canary: {
    analysis: { metrics: [{ name: 'judge', provider: { compare: {} } }] },
    steps: [{ setMirrorRoute: { percentage: 50 } }, { pause: { duration: '60s' } }, { setWeight: 20 }, { pause: { duration: '60s' } }],
  },
};
const withEnv = (env: Record<string, string>) => ({ run: { command: ['node', 'server.js'], env } });

describe('a dark launch (setMirrorRoute) through the built-in router', () => {
  const cluster = new Cluster();
  const service = 'hello-dark';
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, strategy: darkLaunch })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
  });
  afterAll(() => cluster.destroy());

  it('rolls back a canary that answers 500 to the mirrored requests, with 0 user-visible failures and no user served by it', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = Date.now();
    const result = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '2.0.0', strategy: darkLaunch, ...withEnv({ ERROR_RATE: '1' }) })), '--wait');
    const seconds = (Date.now() - started) / 1000;
    const report = await load.stop();

    expect(result.code, result.stdout + result.stderr).toBe(1);
    const status = await cluster.status(service);
    expect(status.phase).toBe('RolledBack');
    expect(status.message).toMatch(/judge/);
    expect(status.message).toMatch(/error rate/i);
    console.log(`built-in router: a canary answering 500 to mirrored requests (50% of ${RATE} req/s) rolled back ${seconds.toFixed(1)}s after apply, ${report.failed} of ${report.sent} user requests failed`);
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.byVersion['2.0.0']).toBeUndefined();
    expect(status.weights).toEqual({ '1': 100 });
  }, 180_000);
});

const haproxy = requireTool('haproxy');
haproxy.describe('a dark launch through the HAProxy driver', () => {
  const cluster = new Cluster();
  const service = 'hello-dark-haproxy';
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    // HAProxy chosen by the environment, so the spec alone cannot tell it is refused.
    const config = join(cluster.dataDir, 'server-config.yaml');
    writeFileSync(config, 'environments:\n  development:\n    traffic:\n      router: haproxy\n');
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, strategy: darkLaunch })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
  });
  afterAll(() => cluster.destroy());

  it('is refused up front when the spec names HAProxy, and at the step when its environment does, stable serving throughout', async () => {
    const named = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '2.0.0', strategy: darkLaunch, traffic: { router: 'haproxy' } })));
    expect(named.code).not.toBe(0);
    expect(named.stderr).toMatch(/setMirrorRoute.*built-in router/s);

    const result = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '2.0.0', strategy: darkLaunch })), '--wait');
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const status = await cluster.status(service);
    expect(status.message).toMatch(/cannot mirror requests.*built-in router/);
    expect(status.weights).toEqual({ '1': 100 });
    const answer = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { version: string };
    expect(answer.version).toBe('1.0.0');
  }, 180_000);
});
