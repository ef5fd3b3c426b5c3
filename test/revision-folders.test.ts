import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec } from './support/cluster.ts';

/**
 * Issue 12, finding 5: cleanup removed an unpacked revision folder while an
 * instance started in it. Python's http.server reads its working directory
 * at start (os.getcwd()) and dies with FileNotFoundError when the folder is
 * gone, so a removed folder shows as "exited before it became healthy" and a
 * rollback. Config-only releases (one artifact, one digest, new version
 * labels) follow each other under load with cleanup running after each.
 */
describe('consecutive config-only releases of a Python http.server under load', () => {
  const cluster = new Cluster();
  const service = 'py-static';
  const artifact = mkdtempSync(join(tmpdir(), 'cutover-py-artifact-'));
  let port = 0;

  beforeAll(async () => {
    writeFileSync(join(artifact, 'index.html'), '<p>the same files in every release</p>\n');
    port = await freePort();
    await cluster.start();
  });
  afterAll(async () => {
    await cluster.destroy();
    rmSync(artifact, { recursive: true, force: true });
  });

  const spec = (version: string) => ({
    ...helloSpec({ port, version, instances: 1, healthCheck: { path: '/', interval: '200ms', timeout: '2s', healthyThreshold: 1, unhealthyThreshold: 3, startupTimeout: '30s' } }),
    artifact: { path: artifact },
    run: { command: ['sh', '-c', 'exec python3 -m http.server "$PORT" --bind 127.0.0.1'] },
    strategy: { rolling: { maxSurge: 1, maxUnavailable: 0 } },
  });

  it('never loses a working directory: every release succeeds and no request fails', async () => {
    const first = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec('1.0.0')), '--wait');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 100 });
    const outcomes: string[] = [];
    try {
      for (let release = 1; release <= 8; release++) {
        const began = Date.now();
        const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec(`1.0.${release}`)), '--wait');
        const status = await cluster.status(service);
        outcomes.push(`1.0.${release}: exit ${applied.code}, ${status.phase}: ${status.message} (${Date.now() - began} ms)`);
      }
    } finally {
      const report = await load.stop();
      const history = await cluster.cli('history', service, '-o', 'json');
      const rolledBack = (JSON.parse(history.stdout) as { outcome: string; message: string }[]).filter((d) => d.outcome !== 'Succeeded');
      // What a rolled-back instance printed says why it exited (a removed folder, a port taken, ...).
      const logs = await Promise.all(rolledBack.map(async (d) => {
        const instance = /instance (\S+) \(revision/.exec(d.message)?.[1];
        return instance ? `${instance}:\n${(await cluster.cli('logs', service, '--instance', instance)).stdout}` : '';
      }));
      expect(rolledBack, `${outcomes.join('\n')}\n${logs.join('\n')}\n${history.stdout}`).toEqual([]);
      expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
      expect(report.ok).toBeGreaterThan(0);
    }
  }, 400_000); // 8 deployments of 5 to 25 s each on the loaded test machine
});
