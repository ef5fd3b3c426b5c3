import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { PROJECT_ROOT } from '../src/core/entry.ts';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

/**
 * Every metrics endpoint as Prometheus sees it: the control plane's and each
 * router's, found through the HTTP service discovery endpoint and scraped
 * with the read-only metrics token; each passes `promtool check metrics`,
 * and a real Prometheus configured from deploy/prometheus/prometheus.yml
 * scrapes them all.
 */
const gate = requireTool('promtool', 'prometheus');

gate.describe('metrics endpoints, service discovery and scrape auth', () => {
  const cluster = new Cluster();
  const service = 'hello-metrics';
  const promDir = mkdtempSync(join(tmpdir(), 'cutover-prom-sd-'));
  let prometheus: ChildProcess | null = null;
  let port = 0;
  let metricsToken = '';
  let adminPort = 0;

  const get = (url: string, token: string, init: RequestInit = {}): Promise<Response> =>
    fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

  function promtool(text: string): { status: number | null; output: string } {
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  }

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
    metricsToken = readFileSync(join(cluster.dataDir, 'metrics-token'), 'utf8').trim();
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 2 })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const canary = { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } };
    const v2 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 2, version: '2.0.0', strategy: canary })));
    expect(v2.code, v2.stdout + v2.stderr).toBe(0);
    await waitFor('the canary to pause at 50%', async () => (await cluster.status(service)).phase === 'Paused', 90_000);
    for (let i = 0; i < 20; i++) expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    adminPort = (await cluster.status(service)).router!.adminPort;
  });

  afterAll(async () => {
    prometheus?.kill('SIGKILL');
    await cluster.destroy();
    rmSync(promDir, { recursive: true, force: true });
  });

  gate.it('lists every router as a scrape target with its service and environment (Prometheus http_sd format)', async () => {
    const response = await get(`${cluster.url}/v1/metrics/targets`, metricsToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual([
      { targets: [`127.0.0.1:${adminPort}`], labels: { __metrics_path__: '/metrics', service, environment: 'development' } },
    ]);
    expect((await fetch(`${cluster.url}/v1/metrics/targets`)).status).toBe(401);
  });

  gate.it('lets the metrics token read metrics and targets only: not the API, not a router config', async () => {
    expect((await get(`${cluster.url}/v1/services`, metricsToken)).status).toBe(401);
    expect((await get(`http://127.0.0.1:${adminPort}/metrics`, metricsToken)).status).toBe(200);
    expect((await get(`http://127.0.0.1:${adminPort}/config`, metricsToken)).status).toBe(401);
    expect((await get(`http://127.0.0.1:${adminPort}/stats`, metricsToken)).status).toBe(401);
    const push = await get(`http://127.0.0.1:${adminPort}/config`, metricsToken, { method: 'PUT', body: '{}' });
    expect(push.status).toBe(401);
  });

  gate.it("passes `promtool check metrics` on the control plane's /metrics, with state gauges, build info and standard process metrics", async () => {
    const text = await (await get(`${cluster.url}/metrics`, metricsToken)).text();
    const labels = `service="${service}",environment="development"`;
    expect(text).toContain(`cutover_service_phase{${labels},phase="Paused"} 1`);
    expect(text).toContain(`cutover_revision_weight{${labels},revision="2",role="canary"} 50`);
    expect(text).toContain(`cutover_revision_weight{${labels},revision="1",role="stable"} 50`);
    expect(text).toMatch(new RegExp(`cutover_deployment_step\\{${labels}\\} \\d+\n`));
    expect(text).toMatch(/cutover_build_info\{version="\d+\.\d+\.\d+",node_version="v\d+/);
    expect(text).toMatch(/\nprocess_cpu_seconds_total \d/);
    const { status, output } = promtool(text);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  gate.it("passes `promtool check metrics` on every router's /metrics, with status classes, revision versions and process metrics", async () => {
    const groups = (await (await get(`${cluster.url}/v1/metrics/targets`, metricsToken)).json()) as { targets: string[] }[];
    expect(groups.length).toBeGreaterThan(0);
    for (const target of groups.flatMap((group) => group.targets)) {
      const text = await (await get(`http://${target}/metrics`, metricsToken)).text();
      expect(text).toMatch(new RegExp(`cutover_router_requests_total\\{service="${service}",environment="development",revision="\\d",status_class="2xx"\\} \\d+`));
      expect(text).toContain(`cutover_router_revision_info{service="${service}",environment="development",revision="2",version="2.0.0"} 1`);
      expect(text).toContain(`cutover_router_revision_info{service="${service}",environment="development",revision="1",version="1.0.0"} 1`);
      expect(text).toMatch(/\nprocess_resident_memory_bytes \d/);
      const { status, output } = promtool(text);
      expect(output).toBe('');
      expect(status).toBe(0);
    }
  });

  gate.it('serves every cutover metric the dashboard and the alert rules query', async () => {
    const texts = [await (await get(`${cluster.url}/metrics`, metricsToken)).text(), await (await get(`http://127.0.0.1:${adminPort}/metrics`, metricsToken)).text()].join('\n');
    const served = new Set([...texts.matchAll(/^# TYPE (\w+) (\w+)/gm)].flatMap(([, name, type]) => (type === 'histogram' ? [name!, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!])));
    const used = ['grafana/cutover-dashboard.json', 'prometheus/cutover-alerts.yml']
      .map((file) => readFileSync(join(PROJECT_ROOT, 'deploy', file), 'utf8'))
      .flatMap((text) => [...text.matchAll(/\bcutover_[a-z_]+/g)].map(([name]) => name));
    expect([...new Set(used)].filter((name) => !served.has(name))).toEqual([]);
  });

  gate.it('is scraped by a real Prometheus configured from deploy/prometheus/prometheus.yml: both jobs up, router series labelled with their environment', async () => {
    const promPort = await freePort();
    const config = readFileSync(join(PROJECT_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')
      .replaceAll('/var/lib/cutover/metrics-token', join(cluster.dataDir, 'metrics-token'))
      .replaceAll('127.0.0.1:7400', `127.0.0.1:${cluster.port}`)
      .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s')
      .replace(/refresh_interval: \d+s/, 'refresh_interval: 1s');
    writeFileSync(join(promDir, 'prometheus.yml'), config);
    writeFileSync(join(promDir, 'cutover-alerts.yml'), readFileSync(join(PROJECT_ROOT, 'deploy/prometheus/cutover-alerts.yml')));
    prometheus = spawn('prometheus', [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let promLog = '';
    prometheus.stderr!.on('data', (chunk: Buffer) => (promLog = (promLog + chunk.toString()).slice(-4000)));
    const query = async (promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
      const body = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as { data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      return body.data?.result ?? [];
    };
    const up = await waitFor('Prometheus to scrape both jobs', async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
      const result = await query('up == 1');
      return result.length === 2 ? result : null;
    }, 90_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nprometheus log: ${promLog}`);
    });
    expect(up.map((r) => r.metric.job).sort()).toEqual(['cutover', 'cutover-routers']);
    expect(up.find((r) => r.metric.job === 'cutover-routers')!.metric).toMatchObject({ service, environment: 'development' });
    const requests = await waitFor('router series in Prometheus', async () => (await query(`cutover_router_requests_total{service="${service}",environment="development"}`)).length > 0, 60_000);
    expect(requests).toBe(true);
    expect(await query('count({exported_service!=""})')).toEqual([]);
  });
});
