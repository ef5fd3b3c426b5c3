/**
 * One contract every platform passes (DESIGN.md: one contract, several
 * implementations): the local platform with real processes of the sample
 * service, the simulated one with records, the docker one with containers
 * on a private engine (test/support/docker.ts), the swarm one with services
 * on a three-node swarm (test/support/swarm.ts). A new platform is one more
 * `platformContract(...)` line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/entry.ts';
import { freePort } from '../../src/core/net.ts';
import { DockerEngine, DockerPlatform, LocalPlatform, Sandbox, SimulatedPlatform, SwarmPlatform, type InstanceLaunch, type Platform } from '../../src/platforms/index.ts';
import { requireSwarm } from '../support/swarm.ts';
import { requireDocker } from '../support/docker.ts';
import { silentLogger } from '../../src/monitoring/logger.ts';

const root = mkdtempSync(join(tmpdir(), 'cutover-platform-contract-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Waits for `condition` with a generous deadline (the machine is shared). */
async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

let counter = 0;
async function launchOf(env: Record<string, string> = {}, command = [process.execPath, 'server.js']): Promise<InstanceLaunch> {
  const id = `contract-development-r1-${process.pid}-${++counter}`;
  return {
    id, service: 'contract', environment: 'development', revision: 1, version: '1.0.0',
    dir: join(PROJECT_ROOT, 'examples/hello'), command, env, port: await freePort(), logPath: join(root, `${id}.log`),
  };
}

interface ContractOptions {
  exitSoon: Record<string, string>;
  unhealthy: Record<string, string>;
  /** How the sample service is started there (a container's image has its own node). */
  command?: string[];
  /** The gate of a platform that needs something installed (requireDocker). */
  gate?: { describe(name: string, body: () => void): void };
}

function platformContract(name: string, make: () => Platform, misbehave: ContractOptions): void {
  const launch = (env: Record<string, string> = {}): Promise<InstanceLaunch> => launchOf(env, misbehave.command);
  (misbehave.gate ?? { describe }).describe(`the ${name} platform`, () => {
    const platform = make();
    const started: { id: string; pid: number }[] = [];
    afterAll(async () => {
      for (const { id, pid } of started) await platform.stop(id, pid, 1000);
    });

    it('starts an instance that runs, is found again and passes its health check', async () => {
      const l = await launch();
      const { pid } = await platform.start(l);
      started.push({ id: l.id, pid });
      expect(platform.isRunning(l.id, pid)).toBe(true);
      expect(platform.find(l.id)).toBe(pid);
      await eventually(async () => (await platform.probe(l, '/healthz', 1000)).ok);
      expect(platform.orphans(new Set([l.id])).map((o) => o.id)).not.toContain(l.id);
      expect(platform.fromPreviousRelease(l.id, pid)).toBe(false);
    });

    it('stops an instance: it no longer runs, is not found and fails its health check', async () => {
      const l = await launch();
      const { pid } = await platform.start(l);
      await eventually(async () => (await platform.probe(l, '/healthz', 1000)).ok);
      await platform.stop(l.id, pid, 5000);
      await eventually(() => !platform.isRunning(l.id, pid));
      expect(platform.find(l.id)).toBeNull();
      const after = await platform.probe(l, '/healthz', 1000);
      expect(after.ok).toBe(false);
    });

    it('says an unknown instance does not run and has no exit', () => {
      expect(platform.isRunning('no-such-instance', null)).toBe(false);
      expect(platform.find('no-such-instance')).toBeNull();
      expect(platform.exitOf('no-such-instance')).toBeUndefined();
    });

    it('reports an instance that exits by itself, with how it ended', async () => {
      const l = await launch(misbehave.exitSoon);
      const { pid } = await platform.start(l);
      started.push({ id: l.id, pid });
      await eventually(() => !platform.isRunning(l.id, pid));
      expect(platform.exitOf(l.id)).toBeDefined();
    });

    it('answers the health check of an unhealthy instance with a failure and a detail', async () => {
      const l = await launch(misbehave.unhealthy);
      const { pid } = await platform.start(l);
      started.push({ id: l.id, pid });
      await eventually(async () => /answered 5\d\d/.test((await platform.probe(l, '/healthz', 1000)).detail));
      expect((await platform.probe(l, '/healthz', 1000)).ok).toBe(false);
    });
  });
}

const sandbox = Sandbox.open({ mode: 'none', runAs: { user: 'nobody', group: 'nogroup' }, environments: {}, revisionsDir: null }, { hidden: [], revisionsDir: join(root, 'revisions') }, silentLogger());
platformContract('local', () => new LocalPlatform(`contract-${process.pid}`, sandbox), { exitSoon: { CRASH_AFTER_MS: '300' }, unhealthy: { FAIL_HEALTH: '1' } });
platformContract('simulated', () => new SimulatedPlatform(), { exitSoon: { CUTOVER_SIMULATED_EXIT_AFTER_MS: '300' }, unhealthy: { CUTOVER_SIMULATED_HEALTHY: 'false' } });
const docker = await requireDocker();
platformContract(
  'docker',
  () => new DockerPlatform(new DockerEngine(docker.engine?.socket ?? '/nonexistent'), { mark: `contract-${process.pid}`, account: () => ({ uid: 65534, gid: 65534 }), imageFor: () => undefined, log: silentLogger() }),
  { exitSoon: { CRASH_AFTER_MS: '300' }, unhealthy: { FAIL_HEALTH: '1' }, command: ['node', 'server.js'], gate: docker },
);
const swarm = await requireSwarm();
platformContract(
  'swarm',
  () => new SwarmPlatform(new DockerEngine(swarm.swarm?.manager.socket ?? '/nonexistent'), { mark: `contract-${process.pid}`, account: () => ({ uid: 65534, gid: 65534 }), imageFor: () => undefined, log: silentLogger(), pollMs: 250 }),
  { exitSoon: { CRASH_AFTER_MS: '300' }, unhealthy: { FAIL_HEALTH: '1' }, command: ['node', 'server.js'], gate: swarm },
);
