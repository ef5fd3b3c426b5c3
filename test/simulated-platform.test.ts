import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec } from './support/cluster.ts';

/**
 * The real engine, strategies and judge against the simulated platform and
 * router: no instance process, no data plane; outcomes come from the spec's
 * run.env. This is what `npm run bench:scale` drives at 1,000 services.
 */
describe('an environment on the simulated platform', () => {
  const cluster = new Cluster();
  const service = 'hello-sim';
  let port = 0;
  const judged = {
    canary: {
      analysis: { metrics: [{ name: 'judge', provider: { compare: {} } }] },
      steps: [{ setWeight: 30 }, { pause: { duration: '20s' } }],
    },
  };
  const spec = (version: string, env: Record<string, string>) => helloSpec({ environment: 'sim', port, version, instances: 3, strategy: judged, run: { command: ['node', 'server.js'], env } });

  beforeAll(async () => {
    port = await freePort();
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, 'environments:\n  sim:\n    extends: development\n    platform: simulated\nsimulation:\n  requestsPerSecond: 400\n');
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  it('deploys a canary through the real engine with no process started, and says it is simulated', async () => {
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec('1.0.0', { CUTOVER_SIMULATED_ERROR_RATE: '0.01' })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const status = await cluster.status(service, 'sim');
    expect(status.phase).toBe('Succeeded');
    expect(status.instances.filter((i) => i.healthy)).toHaveLength(3);
    // The list reads every service's live instances in one query of the columns it shows: the same instances, fields and order as the status.
    const list = (await (await fetch(`${cluster.url}/v1/services`, { headers: { authorization: `Bearer ${cluster.token}` } })).json()) as { services: typeof status[] };
    expect(list.services.find((s) => s.service === service)?.instances).toEqual(status.instances);
    expect(cluster.processes()).toEqual([]);
    expect(cluster.log()).toMatch(/SIMULATED/);
  });

  it('rolls back a version whose simulated instances fail 30% of their requests, by the judge', async () => {
    const v2 = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec('2.0.0', { CUTOVER_SIMULATED_ERROR_RATE: '0.3' })), '--wait');
    expect(v2.code, v2.stdout).toBe(1);
    const status = await cluster.status(service, 'sim');
    expect(status.phase).toBe('RolledBack');
    expect(status.message).toMatch(/error rate/i);
  });

  it('lets a version with the same outcomes as stable complete', async () => {
    const v3 = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec('3.0.0', { CUTOVER_SIMULATED_ERROR_RATE: '0.01' })), '--wait');
    expect(v3.code, v3.stdout + v3.stderr).toBe(0);
    expect((await cluster.status(service, 'sim')).phase).toBe('Succeeded');
    expect(cluster.processes()).toEqual([]);
  });
});
