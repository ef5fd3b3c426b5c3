import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { BASE_IMAGE } from '../src/platforms/docker/base-image.ts';
import { Cluster, HELLO_DIR, helloSpec, waitFor } from './support/cluster.ts';
import { requireSwarm } from './support/swarm.ts';
import { requireTool } from './support/tools.ts';

/**
 * Operating the swarm platform, end to end on a three-node swarm (one per
 * file, test/support/swarm.ts): a service served by HAProxy, whose servers
 * are the tasks' node addresses, deploys under load with 0 failed
 * requests; an image by digest (artifact.image) loaded on every node runs
 * as its image ID; at start the server removes the services that carry its
 * mark and no record owns, and never another data dir's.
 */
const gate = await requireSwarm();
const haproxy = requireTool('haproxy');

interface ServiceView {
  ID: string;
  Spec: { Name: string; Labels: Record<string, string> };
}

/** hello on the swarm, with a health check that tolerates a loaded machine's stalls (as in swarm-deployment.test.ts). */
const swarmSpec = (overrides: Record<string, unknown>) =>
  helloSpec({ healthCheck: { path: '/healthz', interval: '500ms', timeout: '2s', healthyThreshold: 1, unhealthyThreshold: 5, startupTimeout: '60s' }, ...overrides });

gate.describe('operating services on a three-node swarm', () => {
  const cluster = new Cluster();
  const swarm = () => gate.swarm!;
  const services = async (label: string) =>
    await swarm().manager.api.call<ServiceView[]>({ path: '/services', query: { filters: JSON.stringify({ label: [label] }) } });

  beforeAll(async () => {
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, 'environments:\n  development:\n    platform: swarm\n');
    cluster.serverArgs = ['--config', config];
    process.env.DOCKER_HOST = swarm().manager.host;
    await cluster.start();
  }, 120_000);
  afterAll(() => cluster.destroy(), 180_000);

  haproxy.it('deploys through HAProxy, whose servers are the tasks\' node addresses, under load without one failed request', async () => {
    const service = 'hello-haproxy';
    const port = await freePort();
    const spec = (version: string) => swarmSpec({ version, port, traffic: { router: 'haproxy' }, strategy: { rolling: { maxSurge: 1, maxUnavailable: 0 } } });
    const first = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec('1.0.0')), '--wait');
    expect(first.code, first.stdout + first.stderr + cluster.log()).toBe(0);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 100 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec('2.0.0')), '--wait');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const report = await load.stop();
    expect(second.code, second.stdout + second.stderr + cluster.log()).toBe(0);
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.byVersion['1.0.0']).toBeGreaterThan(0);
    expect(lastVersions(report, 1000)).toEqual({ '2.0.0': expect.any(Number) });

    // HAProxy's servers are where Swarm placed the tasks: the nodes' addresses, not this host's loopback.
    const nodes = await swarm().manager.api.call<{ ID: string; Status: { Addr: string } }[]>({ path: '/nodes' });
    const tasks = await swarm().manager.api.call<{ NodeID: string; Spec: { ContainerSpec: { Labels?: Record<string, string> } }; Status: { State: string } }[]>({ path: '/tasks', query: { filters: JSON.stringify({ 'desired-state': ['running'] }) } });
    const status = await cluster.status(service);
    const placed = status.instances
      .filter((instance) => instance.revision === status.revision)
      .map((instance) => {
        const task = tasks.find((t) => t.Spec.ContainerSpec.Labels?.['cutover.instance'] === instance.id);
        return `${nodes.find((n) => n.ID === task?.NodeID)?.Status.Addr}:${instance.port}`;
      });
    const config = readFileSync(join(cluster.dataDir, 'haproxy', haproxyDir(cluster.dataDir, service), 'haproxy.cfg'), 'utf8');
    const servers = [...config.matchAll(/^ {2}server s\d+ (\S+) weight [1-9]/gm)].map((match) => match[1]);
    expect(placed).toHaveLength(3);
    for (const address of placed) expect(servers).toContain(address);
    expect(placed.some((address) => swarm().workers.some((worker) => address.startsWith(`${worker.address}:`)))).toBe(true);
  }, 300_000);

  gate.it('deploys an image by digest loaded on every node, run as its image ID with nothing mounted', async () => {
    // The image: the base image with hello's files in /app, committed on the manager and copied to the workers (no registry).
    const cli = (...args: string[]) => {
      const run = spawnSync('docker', args, { encoding: 'utf8', timeout: 300_000 });
      if (run.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${run.stderr || run.error?.message}`);
      return run.stdout.trim();
    };
    const manager = ['-H', swarm().manager.host];
    const container = cli(...manager, 'create', BASE_IMAGE, 'node', 'server.js');
    cli(...manager, 'cp', `${HELLO_DIR}/.`, `${container}:/app`);
    cli(...manager, 'commit', '--change', 'WORKDIR /app', container, 'example/hello:1');
    cli(...manager, 'rm', container);
    const id = cli(...manager, 'inspect', '--format', '{{.Id}}', 'example/hello:1');
    for (const worker of swarm().workers) {
      const copied = spawnSync('sh', ['-c', `docker -H ${swarm().manager.host} save example/hello:1 | docker -H ${worker.engine.host} load`], { encoding: 'utf8', timeout: 300_000 });
      expect(copied.status, copied.stderr).toBe(0);
    }
    const port = await freePort();
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('hello-image', swarmSpec({ port, artifact: { image: `example/hello:1@${id}` } })), '--wait');
    expect(applied.code, applied.stdout + applied.stderr + cluster.log()).toBe(0);
    expect(((await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { version: string }).version).toBe('1.0.0');
    const created = await services('cutover.service=hello-image');
    expect(created).toHaveLength(3);
    for (const service of created) {
      const inspected = await swarm().manager.api.call<{ Spec: { TaskTemplate: { ContainerSpec: { Image: string; Mounts?: { Target: string }[] } } } }>({ path: `/services/${service.ID}` });
      expect(inspected.Spec.TaskTemplate.ContainerSpec.Image).toBe(id);
      expect((inspected.Spec.TaskTemplate.ContainerSpec.Mounts ?? []).map((m) => m.Target)).toEqual(['/tmp']);
    }
  }, 300_000);

  gate.it('removes at start the services of its own data dir that no record owns, and leaves another data dir\'s alone', async () => {
    const mark = readFileSync(join(cluster.dataDir, 'instance-mark'), 'utf8').trim();
    const create = async (name: string, labels: Record<string, string>) =>
      await swarm().manager.api.call<{ ID: string }>({
        method: 'POST',
        path: '/services/create',
        body: {
          Name: name,
          Labels: labels,
          TaskTemplate: {
            ContainerSpec: { Image: BASE_IMAGE, Command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'], User: '65534:65534', Labels: labels },
            RestartPolicy: { Condition: 'none' },
            Networks: [{ Target: 'host' }],
          },
          Mode: { Replicated: { Replicas: 1 } },
        },
      });
    await cluster.stopServer('SIGKILL');
    // Left by a crash between the service's creation and its record (the instance id no record has), and another server's.
    const ownerless = await create('cutover-ghost-development-r1-aaaaaa', { 'cutover.mark': mark, 'cutover.instance': 'ghost-development-r1-aaaaaa', 'cutover.service': 'ghost' });
    const foreign = await create('cutover-other-development-r1-bbbbbb', { 'cutover.mark': 'f'.repeat(32), 'cutover.instance': 'other-development-r1-bbbbbb', 'cutover.service': 'other' });
    try {
      await cluster.start();
      await waitFor('the ownerless service to be removed', async () => (await services(`cutover.mark=${mark}`)).every((s) => s.ID !== ownerless.ID), 120_000);
      expect(cluster.log()).toContain('stopping a process no record owns');
      expect((await services(`cutover.mark=${'f'.repeat(32)}`)).map((s) => s.ID)).toEqual([foreign.ID]);
      // What the records own is adopted, not swept.
      if (haproxy.available) expect((await services('cutover.service=hello-haproxy')).length).toBe(3);
    } finally {
      await swarm().manager.api.call({ method: 'DELETE', path: `/services/${foreign.ID}` }).catch(() => undefined);
      await swarm().manager.api.call({ method: 'DELETE', path: `/services/${ownerless.ID}` }).catch(() => undefined);
    }
  }, 240_000);
});

/** The folder of the service's HAProxy under `<data-dir>/haproxy/` (named after the service and its environment). */
function haproxyDir(dataDir: string, service: string): string {
  const found = readdirSync(join(dataDir, 'haproxy')).filter((name) => name.includes(service));
  if (found.length !== 1) throw new Error(`expected one HAProxy folder for ${service}, found ${JSON.stringify(found)}`);
  return found[0]!;
}
