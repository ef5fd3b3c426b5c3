import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/core/net.ts';
import { BASE_IMAGE, DockerEngine, DockerPlatform, LocalPlatform, Sandbox, parseIsolationConfig, type InstanceLaunch, type Platform } from '../../src/platforms/index.ts';
import { requireDocker } from '../support/docker.ts';

/**
 * Beyond the contract suite (platform-contract.test.ts), what the platforms
 * with real instances share, run unchanged on local and docker: an instance
 * answers on its port as its own (non-root) user, writes its output to its
 * log file (`cutover logs`), stops on SIGTERM and is killed when it ignores
 * it, reports its exit code, is found again by a new platform object with
 * the same mark (a restarted control plane), and is an orphan for one whose
 * records do not know it. Then the docker platform's isolation.
 */

const APP = `
const http = require('node:http');
const fs = require('node:fs');
const port = Number(process.env.PORT);
if (process.env.ALLOCATE_MB) { const kept = []; setInterval(() => { for (let i = 0; i < 8; i++) kept.push(Buffer.alloc(1 << 20, 1)); }, 10); }
if (process.env.EXIT_CODE) { console.log('exiting with', process.env.EXIT_CODE); process.exit(Number(process.env.EXIT_CODE)); }
const server = http.createServer((req, res) => {
  if (req.url === '/whoami') return res.end(JSON.stringify({ uid: process.getuid(), instance: process.env.CUTOVER_INSTANCE }));
  if (req.url.startsWith('/read?')) {
    try { fs.readFileSync(decodeURIComponent(req.url.slice(6))); return res.end('readable'); } catch (e) { return res.end(e.code); }
  }
  res.end('ok');
});
server.listen(port, '127.0.0.1', () => console.log('listening on', port));
process.on('SIGTERM', () => {
  console.log('got SIGTERM');
  if (process.env.IGNORE_SIGTERM) return;
  server.close(() => process.exit(0));
});
`;

interface Bed {
  platform: Platform;
  /** The same platform as a restarted control plane would make it (same mark). */
  restarted(): Promise<Platform>;
}

function makeLocal(mark: string, sandbox: Sandbox): Bed {
  return { platform: new LocalPlatform(mark, sandbox), restarted: () => Promise.resolve(new LocalPlatform(mark, sandbox)) };
}

function makeDocker(mark: string, sandbox: Sandbox, socket: string): Bed {
  const make = (): DockerPlatform =>
    new DockerPlatform(new DockerEngine(socket), { mark, account: (environment) => sandbox.containerAccount(environment), imageFor: () => undefined, log: { info: () => undefined, warn: () => undefined } });
  return {
    platform: make(),
    async restarted() {
      const platform = make();
      await platform.prepare();
      return platform;
    },
  };
}

const root = mkdtempSync(join(tmpdir(), 'cutover-contract-'));
chmodSync(root, 0o711);
const appDir = join(root, 'revision');
const dataDir = join(root, 'data');
mkdirSync(appDir, { mode: 0o755 });
mkdirSync(dataDir, { mode: 0o700 });
writeFileSync(join(appDir, 'app.js'), APP);
writeFileSync(join(dataDir, 'secret'), 'admin token');
const sandbox = Sandbox.open(parseIsolationConfig({ mode: process.getuid?.() === 0 ? 'user' : 'none' }), { hidden: [dataDir], revisionsDir: root }, { info: () => undefined, warn: () => undefined });
await sandbox.grant(appDir, 'development');
const docker = await requireDocker();

afterAll(() => rmSync(root, { recursive: true, force: true }));

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function until<T>(what: string, probe: () => T | Promise<T>, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function contract(name: string, gate: { describe: (name: string, body: () => void) => void }, make: () => Bed): void {
  gate.describe(`instances on ${name} across a restart of the control plane`, () => {
    let bed: Bed;
    const started: { platform: Platform; id: string }[] = [];
    beforeAll(() => {
      bed = make();
    });
    afterEach(async () => {
      for (const { platform, id } of started.splice(0)) await platform.stop(id, platform.find(id), 1000).catch(() => undefined);
    });

    async function launch(env: Record<string, string> = {}): Promise<InstanceLaunch & { pid: number }> {
      const id = `contract-development-r1-${randomBytes(3).toString('hex')}`;
      const spec: InstanceLaunch = {
        id,
        service: 'contract',
        environment: 'development',
        revision: 1,
        version: '1.0.0',
        dir: appDir,
        command: ['node', 'app.js'],
        env,
        port: await freePort(),
        logPath: join(root, 'logs', `${id}.log`),
        resources: { cpus: 0.5, memoryBytes: 128 * 1024 ** 2 },
      };
      started.push({ platform: bed.platform, id });
      const { pid } = await bed.platform.start(spec);
      return { ...spec, pid };
    }

    it('starts an instance that answers on its port, running as its pid and found by its id', async () => {
      const instance = await launch();
      expect(await until('the instance to answer', () => get(instance.port, '/'))).toBe('ok');
      expect(bed.platform.isRunning(instance.id, instance.pid)).toBe(true);
      expect(bed.platform.isRunning(instance.id, instance.pid + 1_000_000)).toBe(false);
      expect(bed.platform.find(instance.id)).toBe(instance.pid);
      const who = JSON.parse(await get(instance.port, '/whoami')) as { uid: number; instance: string };
      expect(who.instance).toBe(instance.id);
      if (process.getuid?.() === 0) expect(who.uid).not.toBe(0);
    }, 120_000);

    it('writes the instance\'s output to its log file', async () => {
      const instance = await launch();
      await until('the log line', () => existsSync(instance.logPath) && readFileSync(instance.logPath, 'utf8').includes(`listening on ${instance.port}`));
    }, 120_000);

    it('stops an instance with SIGTERM, and kills one that ignores it after the grace period', async () => {
      const polite = await launch();
      const stubborn = await launch({ IGNORE_SIGTERM: '1' });
      await until('both to answer', async () => (await get(polite.port, '/')) === 'ok' && (await get(stubborn.port, '/')) === 'ok');
      await bed.platform.stop(polite.id, polite.pid, 10_000);
      expect(bed.platform.isRunning(polite.id, polite.pid)).toBe(false);
      expect(bed.platform.find(polite.id)).toBeNull();
      await until('the SIGTERM line', () => readFileSync(polite.logPath, 'utf8').includes('got SIGTERM'));
      await bed.platform.stop(stubborn.id, stubborn.pid, 1000);
      expect(bed.platform.isRunning(stubborn.id, stubborn.pid)).toBe(false);
      expect(readFileSync(stubborn.logPath, 'utf8')).toContain('got SIGTERM');
    }, 120_000);

    it('reports how an instance that exited by itself ended', async () => {
      const instance = await launch({ EXIT_CODE: '3' });
      await until('the exit to be seen', () => !bed.platform.isRunning(instance.id, instance.pid) && bed.platform.exitOf(instance.id));
      expect(bed.platform.exitOf(instance.id)?.code).toBe(3);
      await until('the log line', () => readFileSync(instance.logPath, 'utf8').includes('exiting with 3'));
    }, 120_000);

    it('is found again by a restarted control plane, and is an orphan to one whose records do not know it', async () => {
      const adopted = await launch();
      const orphan = await launch();
      await until('both to answer', async () => (await get(adopted.port, '/')) === 'ok' && (await get(orphan.port, '/')) === 'ok');
      const restarted = await bed.restarted();
      expect(restarted.find(adopted.id)).toBe(adopted.pid);
      expect(restarted.isRunning(adopted.id, adopted.pid)).toBe(true);
      const orphans = restarted.orphans(new Set([adopted.id]));
      expect(orphans.map((o) => o.id)).toContain(orphan.id);
      expect(orphans.map((o) => o.id)).not.toContain(adopted.id);
      for (const o of orphans.filter((o) => o.id === orphan.id)) await restarted.stop(o.id, o.pid, 5000);
      expect(restarted.find(orphan.id)).toBeNull();
      await until('the orphan to be gone', async () => !(await get(orphan.port, '/').catch(() => '')));
      // The adopted instance keeps serving; the restarted platform stops it.
      expect(await get(adopted.port, '/')).toBe('ok');
      await restarted.stop(adopted.id, adopted.pid, 5000);
      expect(restarted.isRunning(adopted.id, adopted.pid)).toBe(false);
    }, 120_000);
  });
}

contract('local', { describe }, () => makeLocal(randomBytes(16).toString('hex'), sandbox));
contract('docker', docker, () => makeDocker(randomBytes(16).toString('hex'), sandbox, docker.engine!.socket));

docker.describe('the docker platform\'s isolation', () => {
  it('runs instances that cannot see the data dir, as a non-root user, within the spec\'s memory limit', async () => {
    const platform = makeDocker(randomBytes(16).toString('hex'), sandbox, docker.engine!.socket).platform;
    const id = `contract-development-r1-${randomBytes(3).toString('hex')}`;
    const port = await freePort();
    const { pid } = await platform.start({
      id, service: 'contract', environment: 'development', revision: 1, version: '1.0.0', dir: appDir, command: ['node', 'app.js'], env: {}, port,
      logPath: join(root, 'logs', `${id}.log`), resources: { cpus: 0.5, memoryBytes: 64 * 1024 ** 2 },
    });
    try {
      await until('the instance to answer', () => get(port, '/'));
      expect(await get(port, `/read?${encodeURIComponent(join(dataDir, 'secret'))}`)).toBe('ENOENT');
      expect(await get(port, `/read?${encodeURIComponent('/app/app.js')}`)).toBe('readable');
      expect((JSON.parse(await get(port, '/whoami')) as { uid: number }).uid).not.toBe(0);
      const inspected = await docker.engine!.api.call<{ HostConfig: { Memory: number; NanoCpus: number; ReadonlyRootfs: boolean; NetworkMode: string } }>({ path: `/containers/cutover-${id}/json` });
      expect(inspected.HostConfig).toMatchObject({ Memory: 64 * 1024 ** 2, NanoCpus: 5e8, ReadonlyRootfs: true, NetworkMode: 'host' });
    } finally {
      await platform.stop(id, pid, 2000);
    }
  }, 120_000);
});

describe('the docker platform without an engine', () => {
  it('refuses to prepare (so the server does not start) with the engine\'s error and what to do', async () => {
    const platform = new DockerPlatform(new DockerEngine(join(root, 'no-engine.sock')), { mark: 'm', account: () => ({ uid: 65534, gid: 65534 }), imageFor: () => undefined, log: { info: () => undefined, warn: () => undefined } });
    await expect(platform.prepare()).rejects.toThrow(/the Docker engine does not answer \(.*ENOENT.*\); start dockerd, or set DOCKER_HOST/);
  });
});

docker.describe('images on the docker platform', () => {
  it('runs run.image when the spec names one, and says which image is missing when it is not there', async () => {
    const api = docker.engine!.api;
    await api.call({ method: 'POST', path: `/images/${encodeURIComponent(BASE_IMAGE)}/tag`, query: { repo: 'example/own-image', tag: '1' } });
    const platform = makeDocker(randomBytes(16).toString('hex'), sandbox, docker.engine!.socket).platform;
    const launch = async (image: string) => {
      const id = `contract-development-r1-${randomBytes(3).toString('hex')}`;
      const port = await freePort();
      const spec = { id, service: 'contract', environment: 'development', revision: 1, version: '1.0.0', dir: appDir, command: ['node', 'app.js'], env: {}, port, logPath: join(root, 'logs', `${id}.log`), image };
      return { ...spec, ...(await platform.start(spec)) };
    };
    const own = await launch('example/own-image:1');
    try {
      await until('the instance to answer', () => get(own.port, '/'));
      const inspected = await api.call<{ Config: { Image: string } }>({ path: `/containers/cutover-${own.id}/json` });
      expect(inspected.Config.Image).toBe('example/own-image:1');
    } finally {
      await platform.stop(own.id, own.pid, 2000);
    }
    await expect(launch('example/missing:1')).rejects.toThrow(/could not start instance .* as a container of image example\/missing:1 .*No such image.*; load it into the engine/i);
  }, 120_000);
});

docker.describe('memory limits on the docker platform', () => {
  it('says an instance was killed at its memory limit, not that it crashed', async () => {
    const platform = makeDocker(randomBytes(16).toString('hex'), sandbox, docker.engine!.socket).platform;
    const id = `contract-development-r1-${randomBytes(3).toString('hex')}`;
    const port = await freePort();
    const { pid } = await platform.start({
      id, service: 'contract', environment: 'development', revision: 1, version: '1.0.0', dir: appDir, command: ['node', 'app.js'], env: { ALLOCATE_MB: '1' }, port,
      logPath: join(root, 'logs', `${id}.log`), resources: { memoryBytes: 64 * 1024 ** 2 },
    });
    try {
      await until('the kernel to kill it', () => !platform.isRunning(id, pid) && platform.exitOf(id));
      expect(platform.exitOf(id)).toEqual({ code: null, signal: 'SIGKILL at its memory limit (resources.memory)' });
    } finally {
      await platform.stop(id, pid, 1000);
    }
  }, 120_000);
});

