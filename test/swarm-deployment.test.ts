import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad, type LoadReport } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { requireSwarm } from './support/swarm.ts';

/**
 * End to end on the swarm platform: a real control plane whose development
 * environment runs on a three-node swarm (a manager on this host, two
 * workers in network namespaces, test/support/swarm.ts), the built-in
 * router sending each request to a task's node address. One swarm for the
 * file, and the tests run in order on it:
 * - a SIGKILLed control plane's successor adopts the services and finishes
 *   the canary (100 requests/s, 0 failed);
 * - a fresh service deployed with rolling, blue-green then canary under one
 *   load of 320 requests/s: 0 failed requests, its tasks on several nodes;
 * - on that service, a canary at 5% errors rolled back by the comparative
 *   judge under the same load: no failure but the canary's own 500s;
 * - a worker killed mid-canary at 320 requests/s costs at most the
 *   requests in flight on it, and its node is named (last: the swarm has
 *   one worker less after it).
 * `npm run bench -- --platform swarm` prints apply → Succeeded per strategy.
 */
const RATE = 320;
const gate = await requireSwarm();

/**
 * hello's spec with a health check that tolerates a stall of a few seconds:
 * on the loaded 2-core machine a task's health check once took more than
 * 1 s three times in a row while Swarm stopped another task on the same
 * node (the test's default of 1 s and 3 rolled that canary back).
 */
const swarmSpec = (overrides: Record<string, unknown>) =>
  helloSpec({ healthCheck: { path: '/healthz', interval: '500ms', timeout: '2s', healthyThreshold: 1, unhealthyThreshold: 5, startupTimeout: '60s' }, ...overrides });

/** The TCP counters a stalled connection moves: a full listen queue drops SYNs, and the connecting side sends them again. */
const STALL_COUNTERS = ['TcpExtListenOverflows', 'TcpExtListenDrops', 'TcpExtTCPSynRetrans'];

/** Those counters in this host's namespace and in each worker's (nstat, not resetting its history); empty where nstat is missing. */
function tcpCounters(): Record<string, Record<string, number>> {
  const read = (command: string[]): Record<string, number> => {
    const run = spawnSync(command[0]!, [...command.slice(1), 'nstat', '-asz', ...STALL_COUNTERS], { encoding: 'utf8', timeout: 10_000 });
    return Object.fromEntries((run.stdout ?? '').split('\n').map((line) => line.split(/\s+/)).filter((f) => STALL_COUNTERS.includes(f[0]!)).map((f) => [f[0]!, Number(f[1])]));
  };
  const counters: Record<string, Record<string, number>> = { host: read(['env']) };
  for (const worker of gate.swarm?.workers ?? []) counters[worker.hostname] = read(['ip', 'netns', 'exec', worker.netns]);
  return counters;
}

/**
 * What a stall leaves behind, in one line: the counters' change per namespace
 * since `before`, and per second of the load the answers that took over a
 * second, by version (the last session's stall: requests to the new tasks
 * waiting seconds, cause not found). Printed on every run, failed or not.
 */
function stallSummary(before: Record<string, Record<string, number>>, report: LoadReport): string {
  const after = tcpCounters();
  const moved = Object.fromEntries(Object.entries(after).map(([ns, values]) => [ns, Object.fromEntries(Object.entries(values).map(([name, value]) => [name.replace(/^TcpExt/, ''), value - (before[ns]?.[name] ?? 0)]))]));
  const slow = new Map<string, number>();
  for (const answer of report.timeline) {
    if (answer.latencyMs < 1000) continue;
    const key = `${Math.floor(answer.at / 1000)}s ${answer.version ?? answer.status}`;
    slow.set(key, (slow.get(key) ?? 0) + 1);
  }
  return `TCP counters moved ${JSON.stringify(moved)}; answers over 1 s: ${slow.size ? [...slow].map(([key, n]) => `${key}: ${n}`).join(', ') : 'none'}`;
}

interface ServiceView {
  ID: string;
  Spec: { Labels: Record<string, string> };
}

gate.describe('services on a three-node swarm', () => {
  const cluster = new Cluster();
  const ports: Record<string, number> = {};
  const swarm = () => gate.swarm!;
  const services = async (service?: string) =>
    (
      await swarm().manager.api.call<ServiceView[]>({ path: '/services', query: { filters: JSON.stringify({ label: [service ? `cutover.service=${service}` : 'cutover.service'] }) } })
    ).map((s) => s.Spec.Labels);
  /** The addresses of the nodes the running tasks of the service's current revision are on. */
  const nodesOf = async (service: string): Promise<string[]> => {
    const status = await cluster.status(service);
    const ids = new Set(status.instances.filter((i) => i.revision === status.revision).map((i) => i.id));
    const nodes = await swarm().manager.api.call<{ ID: string; Status: { Addr: string } }[]>({ path: '/nodes' });
    const tasks = await swarm().manager.api.call<{ NodeID: string; Spec: { ContainerSpec: { Labels?: Record<string, string> } }; Status: { State: string } }[]>({ path: '/tasks' });
    return tasks
      .filter((t) => t.Status.State === 'running' && ids.has(t.Spec.ContainerSpec.Labels?.['cutover.instance'] ?? ''))
      .map((t) => nodes.find((n) => n.ID === t.NodeID)?.Status.Addr ?? '?');
  };
  /** Every cutover service on the swarm belongs to an instance the control plane lists. */
  const expectNoUnownedService = async (names: string[]) => {
    for (const name of names) {
      const owned = new Set((await cluster.status(name)).instances.map((instance) => instance.id));
      const unowned = (await services(name)).filter((labels) => !owned.has(labels['cutover.instance'] ?? ''));
      expect(unowned, `services of ${name} on the swarm that no instance record owns`).toEqual([]);
    }
  };

  beforeAll(async () => {
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, 'environments:\n  development:\n    platform: swarm\n');
    cluster.serverArgs = ['--config', config];
    // The server finds the swarm's manager where users point it: DOCKER_HOST.
    process.env.DOCKER_HOST = swarm().manager.host;
    await cluster.start();
  }, 120_000);
  afterAll(() => cluster.destroy(), 180_000);

  gate.it('finishes a deployment after a SIGKILL of the control plane mid-canary: the new one adopts the services', async () => {
    const service = 'hello-canary';
    const port = await freePort();
    ports[service] = port;
    const first = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ version: '2.0.0', port, strategy: { canary: { steps: [{ setWeight: 20 }] } } })), '--wait');
    expect(first.code, first.stdout + first.stderr + cluster.log()).toBe(0);
    const strategy = { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '8s' } }] } };
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ version: '3.0.0', port, strategy })));
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await waitFor('the canary to take traffic', async () => (await cluster.status(service)).weights?.[String((await cluster.status(service)).revision)] === 20, 120_000);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 100 });
    await cluster.stopServer('SIGKILL');
    await cluster.start();
    await waitFor('the deployment to finish', async () => (await cluster.status(service)).phase === 'Succeeded', 180_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    expect(cluster.log()).toContain('instance adopted');
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(lastVersions(report, 1000)).toEqual({ '3.0.0': expect.any(Number) });
    await expectNoUnownedService([service]);
  }, 300_000);

  gate.it(`deploys with every strategy through the router at ${RATE} requests/s with 0 failed requests, on tasks spread over the nodes`, async () => {
    const service = 'hello-strategies';
    const port = await freePort();
    ports[service] = port;
    const first = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ port })), '--wait');
    expect(first.code, first.stdout + first.stderr + cluster.log()).toBe(0);
    // One load over the three deployments: the first is a fresh service's first deployment under load, which stalled before.
    const counters = tcpCounters();
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    const strategies: [string, unknown][] = [
      ['rolling', { rolling: { maxSurge: 1, maxUnavailable: 0 } }],
      ['blueGreen', { blueGreen: { autoPromote: true, scaleDownDelay: '3s' } }],
      ['canary', { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '2s' } }, { setWeight: 50 }, { pause: { duration: '2s' } }] } }],
    ];
    const nodes = new Set<string>();
    let version = 1;
    try {
      for (const [name, strategy] of strategies) {
        const before = load.snapshot();
        const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ version: `${++version}.0.0`, port, strategy })), '--wait');
        const during = load.snapshot();
        const placed = await nodesOf(service);
        placed.forEach((node) => nodes.add(node));
        console.info(`swarm ${name}: ${during.sent - before.sent} requests during the deployment, ${during.failed} failed so far; tasks on ${placed.join(', ')}`);
        expect(applied.code, `${name}: ${applied.stdout}${applied.stderr}`).toBe(0);
        expect((await cluster.status(service)).phase).toBe('Succeeded');
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      const report = await load.stop();
      console.info(`swarm strategies: ${report.failed} of ${report.sent} requests failed (${JSON.stringify(report.failedBy)}); ${stallSummary(counters, report)}`);
      expect(report.failed, JSON.stringify({ failedBy: report.failedBy, first: report.failures.slice(0, 5) })).toBe(0);
      expect(lastVersions(report, 1000)).toEqual({ [`${version}.0.0`]: expect.any(Number) });
    }
    // The tasks ran on more than one node (Swarm spreads one-replica services), so the router reached them at their nodes' addresses.
    expect(nodes.size, [...nodes].join(', ')).toBeGreaterThan(1);
    await expectNoUnownedService([service]);
  }, 300_000);

  gate.it(`rolls back a bad canary (5% errors) by the comparative judge under ${RATE} requests/s`, async () => {
    // The service the strategies test left at 4.0.0, which errs at 0%: no second fresh service to wait for.
    const service = 'hello-strategies';
    const port = ports[service]!;
    const judged = { canary: { analysis: { metrics: [{ name: 'judge', provider: { compare: {} } }] }, steps: [{ setWeight: 20 }, { pause: { duration: '60s' } }] } };
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    const result = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ version: '5.0.0', port, strategy: judged, run: { command: ['node', 'server.js'], env: { ERROR_RATE: '0.05' } } })), '--wait');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    const status = await cluster.status(service);
    console.info(`swarm judge: ${status.phase}: ${status.message}; ${report.failed} of ${report.sent} requests failed (${JSON.stringify(report.failedBy)})`);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(status.phase).toBe('RolledBack');
    expect(status.message).toMatch(/judge/);
    expect(status.message).toMatch(/error rate/i);
    // Every failure is the canary's own injected 500: none from the router, a socket or a timeout.
    const foreign = report.failures.filter((failure) => failure.status !== 500 || !failure.body?.includes('injected failure'));
    expect(foreign, JSON.stringify(foreign.slice(0, 5))).toEqual([]);
    expect(Object.keys(report.failedBy).filter((kind) => kind !== '500')).toEqual([]);
    expect(Object.keys(lastVersions(report, 1000))).toEqual(['4.0.0']);
    await expectNoUnownedService([service]);
  }, 300_000);

  gate.it('loses at most the requests in flight when a worker\'s engine is killed mid-canary, and names the node', async () => {
    const service = 'hello-canary';
    const port = ports[service]!;
    const strategy = { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '20s' } }] } };
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, swarmSpec({ version: '4.0.0', port, strategy })));
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await waitFor('the canary to take traffic', async () => (await cluster.status(service)).weights?.[String((await cluster.status(service)).revision)] === 50, 120_000);
    // The worker with the most of this service's tasks (stable and canary) is lost.
    const nodes = await nodesOf(service);
    const victim = swarm().workers.sort((a, b) => nodes.filter((n) => n === b.address).length - nodes.filter((n) => n === a.address).length)[0]!;
    const onVictim = nodes.filter((n) => n === victim.address).length;
    victim.kill();
    await waitFor('the deployment to end', async () => ['Succeeded', 'RolledBack', 'Failed'].includes((await cluster.status(service)).phase), 240_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    const status = await cluster.status(service);
    console.info(`worker ${victim.hostname} with ${onVictim} of the service's tasks killed: ${report.failed} of ${report.sent} requests failed (${JSON.stringify(report.failedBy)}); the deployment ${status.phase}: ${status.message}`);
    // In flight on the lost node at 320 requests/s: a few per task at most; the router retries refused connections elsewhere.
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBeLessThanOrEqual(Math.max(5, onVictim * 5));
    if (status.phase !== 'Succeeded') expect(status.message).toContain(victim.hostname);
    else if (onVictim > 0) expect(cluster.log()).toContain(victim.hostname);
    // Nothing on the surviving nodes runs that no record owns; the lost node's processes are all dead.
    await waitFor('the lost node\'s services to be removed', async () => {
      const owned = new Set((await cluster.status(service)).instances.map((i) => i.id));
      return (await services(service)).every((labels) => owned.has(labels['cutover.instance'] ?? ''));
    }, 120_000);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  }, 400_000);
});
