import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { BASE_IMAGE } from '../src/platforms/docker/base-image.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { requireDocker } from './support/docker.ts';

/**
 * End to end on the docker platform: a real control plane whose development
 * environment runs containers on a private engine, the built-in router, and
 * examples/hello on the base image. A rolling deployment under load loses no
 * request; every container runs as nobody with the spec's limits and only the
 * revision mounted; an instance cannot read the data dir; `cutover logs`
 * shows the containers' output; a SIGKILLed control plane's successor adopts
 * the containers, and removes at start the containers of its own data dir
 * that no record owns (never another data dir's).
 */
const RATE = 300;
const docker = await requireDocker();

interface ContainerView {
  Id: string;
  Labels: Record<string, string>;
}

docker.describe('a service on the docker platform', () => {
  const cluster = new Cluster();
  let port = 0;
  const engine = () => docker.engine!;
  const containers = (service: string) =>
    engine().api.call<ContainerView[]>({ path: '/containers/json', query: { filters: JSON.stringify({ label: [`cutover.service=${service}`] }) } });

  /** Runs node in a container as its user; returns the exit code and output. */
  async function execNode(container: string, script: string): Promise<{ code: number; output: string }> {
    const exec = await engine().api.call<{ Id: string }>({ method: 'POST', path: `/containers/${container}/exec`, body: { Cmd: ['node', '-e', script], AttachStdout: true, AttachStderr: true } });
    const response = await engine().api.open({ method: 'POST', path: `/exec/${exec.Id}/start`, body: { Detach: false, Tty: false } });
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    let raw = Buffer.concat(chunks);
    let output = '';
    while (raw.length >= 8) {
      const size = raw.readUInt32BE(4);
      output += raw.subarray(8, 8 + size).toString();
      raw = raw.subarray(8 + size);
    }
    const inspected = await engine().api.call<{ ExitCode: number }>({ path: `/exec/${exec.Id}/json` });
    return { code: inspected.ExitCode, output };
  }

  beforeAll(async () => {
    port = await freePort();
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, 'environments:\n  development:\n    platform: docker\n');
    cluster.serverArgs = ['--config', config];
    // The server finds the engine where users point it: DOCKER_HOST.
    process.env.DOCKER_HOST = engine().host;
    await cluster.start();
  }, 120_000);
  afterAll(() => cluster.destroy(), 120_000);

  docker.it('rolls hello from v1 to v2 under load without one failed request, in containers that cannot see the data dir', async () => {
    const spec = (version: string) =>
      helloSpec({ version, port, strategy: { rolling: { maxSurge: 1, maxUnavailable: 0 } }, resources: { cpus: 0.5, memory: '128Mi' } });
    const first = await cluster.cli('apply', '-f', cluster.writeSpec('hello', spec('1.0.0')), '--wait');
    expect(first.code, first.stdout + first.stderr + cluster.log()).toBe(0);
    expect(await containers('hello')).toHaveLength(3);

    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = await cluster.cli('apply', '-f', cluster.writeSpec('hello', spec('2.0.0')), '--wait');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const report = await load.stop();
    expect(second.code, second.stdout + second.stderr + cluster.log()).toBe(0);
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.sent).toBeGreaterThan(RATE * 3);
    expect(report.byVersion['1.0.0']).toBeGreaterThan(0);
    expect(lastVersions(report, 1000)).toEqual({ '2.0.0': expect.any(Number) });
    const status = await cluster.status('hello');
    expect(status.phase).toBe('Succeeded');

    // Exactly the new revision's three containers remain; the old ones were stopped and removed.
    const running = await containers('hello');
    expect(running.map((c) => c.Labels['cutover.revision']).sort()).toEqual([String(status.revision), String(status.revision), String(status.revision)]);
    for (const container of running) {
      const inspected = await engine().api.call<{ Config: { User: string }; HostConfig: { Memory: number; NanoCpus: number; NetworkMode: string }; Mounts: { Source: string; Destination: string; RW: boolean }[] }>({ path: `/containers/${container.Id}/json` });
      expect(inspected.Config.User).not.toMatch(/^0?:|^root/);
      expect(inspected.HostConfig).toMatchObject({ Memory: 128 * 1024 ** 2, NanoCpus: 5e8, NetworkMode: 'host' });
      const binds = inspected.Mounts.filter((m) => m.Destination === '/app');
      expect(binds).toEqual([expect.objectContaining({ RW: false })]);
      expect(binds[0]!.Source.startsWith(cluster.revisionsDir)).toBe(true);
    }
    // The instance's own code cannot read the control plane's data dir (the admin token there).
    const attempt = await execNode(running[0]!.Id, `try { require('fs').readFileSync(${JSON.stringify(join(cluster.dataDir, 'admin-token'))}); console.log('READ'); } catch (e) { console.log(e.code); process.exit(3); }`);
    expect(attempt).toEqual({ code: 3, output: 'ENOENT\n' });

    // Their output reaches `cutover logs` as a process's does.
    const logs = await cluster.cli('logs', 'hello', '--env', 'development');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('hello 2.0.0');
  }, 300_000);

  docker.it('adopts the containers after a SIGKILL of the control plane, and removes only its own that no record owns', async () => {
    const before = (await containers('hello')).map((c) => c.Id).sort();
    expect(before).toHaveLength(3);
    await cluster.stopServer('SIGKILL');
    // A container left by a crash before its record was written (its mark, an instance no record has), and another data dir's.
    const mark = readFileSync(join(cluster.dataDir, 'instance-mark'), 'utf8').trim();
    const other = 'f'.repeat(32);
    const create = async (name: string, labels: Record<string, string>) => {
      const { Id } = await engine().api.call<{ Id: string }>({
        method: 'POST', path: '/containers/create', query: { name },
        body: { Image: BASE_IMAGE, Cmd: ['node', '-e', 'setInterval(() => {}, 1 << 30)'], User: '65534:65534', Labels: labels, HostConfig: { NetworkMode: 'host' } },
      });
      await engine().api.call({ method: 'POST', path: `/containers/${Id}/start` });
      return Id;
    };
    const ownerless = await create('cutover-ghost-development-r1-aaaaaa', { 'cutover.mark': mark, 'cutover.instance': 'ghost-development-r1-aaaaaa', 'cutover.service': 'ghost' });
    const foreign = await create('cutover-other-development-r1-bbbbbb', { 'cutover.mark': other, 'cutover.instance': 'other-development-r1-bbbbbb', 'cutover.service': 'other' });
    try {
      await cluster.start();
      await waitFor('the adopted instances to be healthy', async () => (await cluster.status('hello')).instances.filter((i) => i.healthy).length === 3, 60_000);
      expect(cluster.log()).toContain('instance adopted');
      expect((await containers('hello')).map((c) => c.Id).sort()).toEqual(before);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      await waitFor('the ownerless container to be removed', async () => (await containers('ghost')).length === 0, 60_000);
      expect(cluster.log()).toContain('stopping a process no record owns');
      const kept = await engine().api.call<{ State: { Running: boolean } }>({ path: `/containers/${foreign}/json` });
      expect(kept.State.Running).toBe(true);
    } finally {
      for (const id of [ownerless, foreign]) await engine().api.call({ method: 'DELETE', path: `/containers/${id}`, query: { force: 1 } }).catch(() => undefined);
    }
  }, 180_000);

  docker.it('stops on SIGTERM by itself (the log streams do not hold it), leaving the containers serving', async () => {
    const server = cluster.server!;
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
    server.kill('SIGTERM');
    const timeout = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 30_000).unref());
    const outcome = await Promise.race([exited, timeout]);
    if (outcome === 'still running') server.kill('SIGKILL');
    expect(outcome).toEqual({ code: 0, signal: null });
    cluster.server = null;
    expect(await containers('hello')).toHaveLength(3);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  }, 120_000);

  docker.it('keeps serving through a crash of the engine restarted with live restore, and replaces the instances one without it stops', async () => {
    await cluster.start();
    await waitFor('the adopted instances to be healthy', async () => (await cluster.status('hello')).instances.filter((i) => i.healthy).length === 3, 60_000);
    const before = (await containers('hello')).map((c) => c.Id).sort();

    // With live restore the containers outlive the engine: cutover keeps them (their processes still run) and not one request fails.
    let load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 50 });
    await engine().crashAndRestart({ liveRestore: true });
    await new Promise((resolve) => setTimeout(resolve, 5000));
    let report = await load.stop();
    expect(report.failed, JSON.stringify(report.failures.slice(0, 3))).toBe(0);
    expect((await containers('hello')).map((c) => c.Id).sort()).toEqual(before);
    expect((await cluster.status('hello')).instances.filter((i) => i.healthy).map((i) => i.pid).length).toBe(3);

    // Without it the restarted engine stops them: cutover sees them exit and starts new ones.
    load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 50 });
    await engine().crashAndRestart();
    await waitFor('three new healthy instances', async () => {
      const status = await cluster.status('hello');
      const now = (await containers('hello')).map((c) => c.Id);
      return status.instances.filter((i) => i.healthy).length === 3 && now.length === 3 && now.every((id) => !before.includes(id));
    }, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    report = await load.stop();
    console.log(`engine crash without live restore: ${report.failed} of ${report.sent} requests failed while the instances were replaced`);
    expect(lastVersions(report, 1000)).toEqual({ '2.0.0': expect.any(Number) });
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  }, 240_000);
});
