import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeArgsFor, Program } from '../core/entry.ts';
import { freePort } from '../core/net.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { RouterConfig } from './wire.ts';
import { RouterAdminClient } from '../traffic/builtin/index.ts';
import { startLoad } from '../load/index.ts';
import type { HealthzAnswer } from './wire.ts';
import { COLLECT_INTERVAL_MS } from './cluster/supervisor.ts';
import { TOKEN, TestBed, routerConfig, send, waitFor } from '../../test/support/router-test-bed.ts';

const bed = new TestBed();
const children = new Set<ChildProcess>();
/** Process groups to kill after each test: a router's workers outlive its supervisor, and a router they start has its own group. */
const groups = new Set<number>();

afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const group of groups) killGroup(group);
  groups.clear();
  children.clear();
  await bed.closeAll();
});

interface RouterProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
}

function startRouterProcess(args: string[]): RouterProcess {
  // Its own process group, so the workers go with it at the end of the test.
  const child = spawn(process.execPath, [...nodeArgsFor(Program.router), ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  groups.add(child.pid!);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/**
 * Pushes `config` with a free traffic port. A port the OS called free can be
 * taken by another test's connection before the router binds it; then the
 * router refuses the push (PortInUse) and it is retried with another port.
 * Returns the config the router serves.
 */
async function pushOnFreePort(client: RouterAdminClient, config: RouterConfig): Promise<RouterConfig> {
  for (let attempt = 1; ; attempt++) {
    const candidate = { ...config, port: await freePort(), generation: config.generation + attempt - 1 };
    try {
      await client.pushConfig(candidate);
      return candidate;
    } catch (error) {
      if (!(error instanceof CutoverError && error.code === ErrorCode.PortInUse) || attempt >= 5) throw error;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function whenHealthy(client: RouterAdminClient, router: RouterProcess): Promise<void> {
  await waitFor(`the router process to answer /healthz (output: ${router.output()})`, () => client.healthz(), 90_000);
}

// Real router processes (a supervisor and its workers) start slowly on a busy 2-core machine.
describe('router process', { timeout: 600_000 }, () => {
  it('as one process (--workers 1), serves its last config after SIGKILL and restart, with no push', async () => {
    const dir = await bed.dir();
    await writeFile(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    const adminPort = await freePort();
    const args = ['--state-file', join(dir, 'state.json'), '--admin-port', String(adminPort), '--token-file', join(dir, 'token'), '--workers', '1'];
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const wanted = routerConfig([stable, canary], { 1: 50, 2: 50 }, { generation: 3 });
    const client = new RouterAdminClient(adminPort, TOKEN);

    const first = startRouterProcess(args);
    await whenHealthy(client, first);
    const config = await pushOnFreePort(client, wanted);
    const before = await Promise.all(Array.from({ length: 10 }, () => send(config.port, '/')));
    expect(new Set(before.map((answer) => answer.json().revision))).toEqual(new Set([1, 2]));
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = startRouterProcess(args);
    await whenHealthy(client, second);
    const after = await Promise.all(Array.from({ length: 10 }, () => send(config.port, '/')));
    expect(after.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(new Set(after.map((answer) => answer.json().revision))).toEqual(new Set([1, 2]));
    expect((await client.getStats()).generation).toBe(config.generation); // the last one pushed (3, unless a port had to be retried)

    const events = second.output().trim().split('\n').map((line) => JSON.parse(line) as { event?: string });
    expect(events.map((event) => event.event)).toEqual(expect.arrayContaining(['config-applied', 'start']));
    expect(first.output() + second.output()).not.toContain(TOKEN);
  });

  it('runs two workers by default; when its supervisor is SIGKILLed they go on serving, and one starts a new router that takes over, with no push', async () => {
    const dir = await bed.dir();
    await writeFile(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    const adminPort = await freePort();
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const client = new RouterAdminClient(adminPort, TOKEN);
    const first = startRouterProcess(['--state-file', join(dir, 'state.json'), '--admin-port', String(adminPort), '--token-file', join(dir, 'token')]);
    await whenHealthy(client, first);
    const config = await pushOnFreePort(client, routerConfig([stable, canary], { 1: 50, 2: 50 }, { generation: 3 }));
    const health = async (): Promise<HealthzAnswer | null> => client.health();
    const before = (await health())!;
    expect(before.workers).toHaveLength(2);

    first.child.kill('SIGKILL');
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(config.port, '/')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    let after: HealthzAnswer | null = null;
    await waitFor('a new router', async () => {
      after = await health();
      return after !== null && after.pid !== before.pid && after.workers?.length === 2;
    }, 120_000);
    after = after!;
    groups.add(after.pid);
    expect(after.generation).toBe(config.generation);
    expect(after.workers!.some((pid) => before.workers!.includes(pid))).toBe(false);
    // The orphaned workers let go of the port and exit once the new router serves.
    await waitFor('the old workers to exit', () => before.workers!.every((pid) => !alive(pid)), 60_000);
    const served = await Promise.all(Array.from({ length: 10 }, () => send(config.port, '/')));
    expect(new Set(served.map((answer) => answer.json().revision))).toEqual(new Set([1, 2]));
    expect(first.output()).toContain('"event":"takeover"');
  });

  it('finishes requests in flight on SIGTERM, then exits 0', async () => {
    const dir = await bed.dir();
    await writeFile(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    const adminPort = await freePort();
    const instance = await bed.backend(1);
    const wanted = routerConfig([instance], { 1: 100 });
    const client = new RouterAdminClient(adminPort, TOKEN);
    const router = startRouterProcess(['--state-file', join(dir, 'state.json'), '--admin-port', String(adminPort), '--token-file', join(dir, 'token')]);
    await whenHealthy(client, router);
    const config = await pushOnFreePort(client, wanted);

    const slow = send(config.port, '/hold');
    await waitFor('the request to reach the instance', () => instance.held.length === 1);
    router.child.kill('SIGTERM');
    await waitFor('the router to stop accepting', async () => (await send(config.port, '/').then(() => false, () => true)));
    instance.releaseHeld();

    expect((await slow).status).toBe(200);
    expect(await router.exited).toEqual({ code: 0, signal: null });
  });

  it('replaces a SIGKILLed worker on the config it serves, without a push, losing only what was on its connections', async () => {
    const dir = await bed.dir();
    await writeFile(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    const adminPort = await freePort();
    const [a, b] = [await bed.backend(1), await bed.backend(1)];
    const client = new RouterAdminClient(adminPort, TOKEN);
    const router = startRouterProcess(['--state-file', join(dir, 'state.json'), '--admin-port', String(adminPort), '--token-file', join(dir, 'token'), '--workers', '2']);
    await whenHealthy(client, router);
    const config = await pushOnFreePort(client, routerConfig([a, b], { 1: 100 }));
    const workers = async (): Promise<number[]> => ((await (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).json()) as HealthzAnswer).workers ?? [];
    expect(await workers()).toHaveLength(2);

    const load = startLoad({ url: `http://127.0.0.1:${config.port}/`, ratePerSecond: 25 });
    const kills: { pid: number; inFlight: number; failedBefore: number }[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const answered = load.snapshot().ok;
      await waitFor(`50 more answers (${answered} so far, ${JSON.stringify(load.snapshot().failedBy)} failed)`, () => load.snapshot().ok > answered + 50, 60_000);
      const [victim] = await workers();
      const snapshot = load.snapshot();
      process.kill(victim!, 'SIGKILL');
      kills.push({ pid: victim!, inFlight: snapshot.inFlight, failedBefore: snapshot.failed });
      await waitFor('a replacement worker', async () => {
        const pids = await workers();
        return pids.length === 2 && !pids.includes(victim!);
      }, 120_000);
    }
    const answered = load.snapshot().ok;
    await waitFor('traffic after the last replacement', () => load.snapshot().ok > answered + 50, 60_000);
    const report = await load.stop();
    const failedPerKill = kills.map((kill, i) => (kills[i + 1]?.failedBefore ?? report.failed) - kill.failedBefore);
    console.log(`worker kills: ${kills.length}; requests failed per kill: ${failedPerKill.join(', ')} (in flight in the whole router at each kill: ${kills.map((kill) => kill.inFlight).join(', ')}); sent ${report.sent}, failed ${report.failed} ${JSON.stringify(report.failedBy)}`);
    expect(report.failed).toBe(failedPerKill.reduce((sum, n) => sum + n, 0));
    // What a kill loses is what was on the dead worker's connections: requests in flight, and any a client
    // sent on one of its idle keep-alive connections before seeing it close (a reset). Nothing else fails:
    // no 5xx, no refused or timed-out connection, since the other worker and the replacement keep accepting.
    expect(Object.keys(report.failedBy).filter((code) => code !== 'ECONNRESET')).toEqual([]);
    expect(report.failed).toBeLessThan(report.sent * 0.05);
    // The counters survived the deaths: a dead worker takes with it at most what it counted since the supervisor's last read.
    const lostAtMost = kills.length * 25 * (COLLECT_INTERVAL_MS / 1000) + report.failed;
    expect((await client.getStats()).revisions['1']?.requests).toBeGreaterThanOrEqual(report.ok - lostAtMost);
    expect(router.child.exitCode).toBeNull();
  });

  it('exits with a usage message when an argument is missing', async () => {
    const router = startRouterProcess(['--admin-port', '1']);
    expect((await router.exited).code).toBe(2);
    expect(router.output()).toContain('usage: router --state-file PATH --admin-port N --token-file PATH');
  });
});
