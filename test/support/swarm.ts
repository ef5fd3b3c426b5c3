import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, it, type TestFunction } from 'vitest';
import { BASE_IMAGE } from '../../src/platforms/docker/base-image.ts';
import type { DockerEngine } from '../../src/platforms/docker/engine-api.ts';
import { startPrivateEngine, type PrivateEngine } from './private-engine.ts';
import { IN_CI, type ToolGate } from './tools.ts';

/** A worker node: a private engine in a network namespace of its own, with its own address. */
export interface SwarmWorker {
  hostname: string;
  /** Its address on the test's bridge: where its tasks listen. */
  address: string;
  netns: string;
  engine: PrivateEngine;
  /** SIGKILLs everything in its namespace (its engine, containerd, shims and tasks): the node is lost. */
  kill(): void;
}

/** A three-node swarm for one test file: a manager on this host and two workers in network namespaces. */
export interface TestSwarm {
  manager: PrivateEngine;
  /** The manager's address on the test's bridge (also where a task placed on it listens). */
  managerAddress: string;
  workers: SwarmWorker[];
  /** How long the swarm took to start, in ms (engines, swarm, images). */
  setupMs: number;
  /** Stops every engine and removes the namespaces, the bridge and the folders. */
  stop(): Promise<void>;
}

function ip(...args: string[]): void {
  const run = spawnSync('ip', args, { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${(run.stderr || run.error?.message || '').trim()}`);
}

function ipQuietly(...args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore', timeout: 30_000 });
}

/** A /24 in 10.0.0.0/8 that no route of this host uses yet. */
function freeSubnet(): string {
  const routes = spawnSync('ip', ['-4', 'route'], { encoding: 'utf8' }).stdout;
  for (;;) {
    const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!routes.includes(`${subnet}.`)) return subnet;
  }
}

/**
 * Starts the swarm: a bridge on this host carrying the manager's address,
 * and per worker a network namespace joined to it by a veth pair, an engine
 * started inside it (startPrivateEngine with `netns`), joined to the swarm,
 * with the base image copied from the manager (docker save | docker load).
 * Traffic goes only to loopback and to these addresses. Anything started is
 * stopped again if a later step fails.
 */
export async function startTestSwarm(): Promise<TestSwarm> {
  const began = Date.now();
  const tag = randomBytes(2).toString('hex');
  const subnet = freeSubnet();
  const bridge = `cs${tag}b`;
  const managerAddress = `${subnet}.1`;
  const workers: SwarmWorker[] = [];
  const namespaces: string[] = [];
  let manager: PrivateEngine | undefined;

  const stop = async (): Promise<void> => {
    for (const worker of workers) await worker.engine.stop();
    for (const netns of namespaces) {
      killNamespace(netns);
      ipQuietly('netns', 'del', netns);
    }
    ipQuietly('link', 'del', bridge);
    await manager?.stop();
  };

  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${managerAddress}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    manager = await startPrivateEngine();
    for (const n of [1, 2]) {
      const netns = `cutover-swarm-${tag}-${n}`;
      const address = `${subnet}.${n + 1}`;
      ip('netns', 'add', netns);
      namespaces.push(netns);
      ip('link', 'add', `cs${tag}h${n}`, 'type', 'veth', 'peer', 'name', `cs${tag}c${n}`);
      ip('link', 'set', `cs${tag}c${n}`, 'netns', netns);
      ip('link', 'set', `cs${tag}h${n}`, 'master', bridge, 'up');
      ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', `cs${tag}c${n}`);
      ip('-n', netns, 'link', 'set', `cs${tag}c${n}`, 'up');
      ip('-n', netns, 'link', 'set', 'lo', 'up');
    }
    // The workers' engines start side by side (each is seconds of a busy machine).
    const engines = await Promise.all(namespaces.map((netns, i) => startPrivateEngine({ netns: { name: netns, hostname: `worker-${i + 1}` }, baseImage: false })));
    engines.forEach((engine, i) => workers.push({ hostname: `worker-${i + 1}`, address: `${subnet}.${i + 2}`, netns: namespaces[i]!, engine, kill: () => killNamespace(namespaces[i]!) }));

    await manager.api.call({ method: 'POST', path: '/swarm/init', body: { ListenAddr: `${managerAddress}:2377`, AdvertiseAddr: managerAddress }, timeoutMs: 60_000 });
    const token = (await manager.api.call<{ JoinTokens: { Worker: string } }>({ path: '/swarm' })).JoinTokens.Worker;
    await Promise.all(
      workers.map(async (worker) => {
        await worker.engine.api.call({
          method: 'POST',
          path: '/swarm/join',
          body: { ListenAddr: `${worker.address}:2377`, AdvertiseAddr: worker.address, RemoteAddrs: [`${managerAddress}:2377`], JoinToken: token },
          timeoutMs: 60_000,
        });
        await copyImage(manager!.api, worker.engine.api, BASE_IMAGE);
      }),
    );
    await readyNodes(manager.api, 3);
  } catch (error) {
    await stop();
    throw error;
  }
  return { manager, managerAddress, workers, setupMs: Date.now() - began, stop };
}

/** docker save | docker load, through the two engines' APIs. */
async function copyImage(from: DockerEngine, to: DockerEngine, image: string): Promise<void> {
  const saved = await from.open({ path: `/images/${encodeURIComponent(image)}/get`, timeoutMs: 300_000 });
  await to.call({ method: 'POST', path: '/images/load', query: { quiet: 1 }, stream: saved, timeoutMs: 300_000 });
}

/** Waits until the manager sees `count` nodes ready. */
async function readyNodes(manager: DockerEngine, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const nodes = await manager.call<{ Status: { State: string } }[]>({ path: '/nodes' });
    if (nodes.filter((node) => node.Status.State === 'ready').length >= count) return;
    if (Date.now() > deadline) throw new Error(`the swarm has ${nodes.length} nodes, not ${count} ready ones, after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** SIGKILLs every process in the network namespace (`ip netns pids`). */
function killNamespace(netns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

export interface SwarmGate extends ToolGate {
  swarm: TestSwarm | null;
}

/**
 * Starts a three-node swarm for the calling test file (top-level await) and
 * stops it after the file, whatever its tests did. When it cannot start
 * (no dockerd, not root, an engine that fails), the file's swarm tests are
 * skipped with the engine's own error, and under CI=true they fail with it.
 */
export async function requireSwarm(): Promise<SwarmGate> {
  let why: string;
  if (spawnSync('dockerd', ['--version'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) {
    why = '`dockerd`, which is not on PATH (install with `apt-get install docker.io`, as .ci/run does)';
  } else if (process.getuid?.() !== 0) {
    why = 'a Docker swarm, which only root can start here (network namespaces and engines; run the tests as root)';
  } else {
    try {
      const swarm = await startTestSwarm();
      afterAll(async () => await swarm.stop(), 120_000);
      console.info(`a three-node swarm started in ${(swarm.setupMs / 1000).toFixed(1)} s`);
      return { available: true, describe, it, swarm };
    } catch (error) {
      why = `a three-node Docker swarm: ${(error as Error).message}`;
    }
  }
  if (IN_CI) {
    const fail: TestFunction = () => {
      throw new Error(`this test needs ${why}. Under CI=true a missing or broken engine fails the tests that need it instead of skipping them.`);
    };
    return { available: false, swarm: null, describe: (name) => describe(name, () => it('has a Docker swarm', fail)), it: (name) => it(name, fail) };
  }
  console.warn(`SKIPPED: the tests here that need ${why}`);
  return { available: false, swarm: null, describe: (name, body) => describe.skip(name, body), it: (name, body, timeout) => it.skip(name, body, timeout) };
}
