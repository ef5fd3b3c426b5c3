import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad, type LoadRun } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

/**
 * Real Prometheus (Debian's `prometheus`, installed by .ci/run) scrapes the
 * router's /metrics; a canary's analysis step queries it over the HTTP API.
 */
requireTool('prometheus').describe('canary analysis against a real Prometheus', () => {
  const cluster = new Cluster();
  const service = 'hello-prom';
  const promDir = mkdtempSync(join(tmpdir(), 'cutover-prom-'));
  let prometheus: ChildProcess | null = null;
  let promUrl = '';
  let port = 0;
  let load: LoadRun | null = null;

  const analysis = (query: string, condition: Record<string, string>) => ({
    metrics: [{ name: 'prometheus-errors', provider: { prometheus: { address: promUrl, query } }, interval: '2s', count: 3, initialDelay: '4s', ...condition }],
  });
  const errorRatio =
    'sum(rate(cutover_router_errors_total{service="{{service}}",revision="{{revision}}"}[15s])) / sum(rate(cutover_router_requests_total{service="{{service}}",revision="{{revision}}"}[15s]))';

  beforeAll(async () => {
    port = await freePort();
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    // The provider's address is the deployer's: development may call only what its outbound allow list names.
    const config = join(promDir, 'cutover.yaml');
    writeFileSync(config, `environments:\n  development:\n    outbound: { allow: ["127.0.0.1:${promPort}"] }\n`);
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 2 })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const status = await cluster.status(service);
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: cutover-router',
        '    metrics_path: /metrics',
        `    authorization: { credentials_file: ${join(cluster.dataDir, 'metrics-token')} }`,
        `    static_configs: [ { targets: ["127.0.0.1:${status.router!.adminPort}"] } ]`,
      ].join('\n'),
    );
    prometheus = spawn('prometheus', [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
    load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 200 });
    await waitFor('Prometheus to scrape the router', async () => {
      const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(`cutover_router_requests_total{service="${service}"}`)}`);
      const body = (await response.json()) as { data?: { result: unknown[] } };
      return (body.data?.result.length ?? 0) > 0;
    }, 60_000);
  });

  afterAll(async () => {
    await load?.stop();
    prometheus?.kill('SIGKILL');
    await cluster.destroy();
    rmSync(promDir, { recursive: true, force: true });
  });

  it('lets a healthy canary through when its error ratio in Prometheus stays low', async () => {
    const strategy = { canary: { steps: [{ setWeight: 50 }, { analysis: analysis(errorRatio, { successCondition: 'result < 0.05' }) }] } };
    const result = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 2, version: '2.0.0', strategy })), '--wait');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const status = await cluster.status(service);
    const metric = status.analyses[0]!.metrics[0]!;
    expect(metric.phase).toBe('Successful');
    expect(metric.measurements.length).toBe(3);
    expect(typeof metric.measurements[0]!.value).toBe('number');
  });

  it('rolls back a canary whose error ratio in Prometheus is too high, naming the metric and the value', async () => {
    const strategy = { canary: { steps: [{ setWeight: 50 }, { analysis: analysis(errorRatio, { successCondition: 'result < 0.05' }) }] } };
    const spec = helloSpec({ port, instances: 2, version: '3.0.0', strategy, run: { command: ['node', 'server.js'], env: { ERROR_RATE: '0.4' } } });
    const result = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec), '--wait');
    expect(result.code, result.stdout).toBe(1);
    const status = await cluster.status(service);
    expect(status.phase).toBe('RolledBack');
    expect(status.message).toMatch(/prometheus-errors/);
    expect(status.message).toMatch(/result < 0\.05 does not hold for 0\.[1-9]/);
    expect(status.weights).toEqual({ '2': 100 });
  });
});
