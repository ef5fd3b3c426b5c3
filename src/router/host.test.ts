import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeArgsFor, Program } from '../core/entry.ts';
import { freePort } from '../core/net.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { RouterAdminClient } from '../traffic/builtin/index.ts';
import type { RouterConfig } from './wire.ts';
import { TOKEN, TestBed, routerConfig, send, waitFor } from '../../test/support/router-test-bed.ts';

const HOST_TOKEN = 'host-token-0123456789abcdef';
const bed = new TestBed();
const groups = new Set<number>();

afterEach(async () => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // gone
    }
  }
  groups.clear();
  await bed.closeAll();
});

interface HostProcess {
  child: ChildProcess;
  output: () => string;
}

function startHost(dir: string, adminPort: number): HostProcess {
  const child = spawn(process.execPath, [...nodeArgsFor(Program.router), '--host', dir, '--admin-port', String(adminPort), '--token-file', join(dir, 'host-token'), '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  groups.add(child.pid!);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, output: () => output };
}

/** The host's admin API, as the control plane calls it. */
async function hostCall(adminPort: number, method: string, path: string, body?: unknown, token = HOST_TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${adminPort}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function hostHealth(adminPort: number): Promise<{ pid: number; workers: number[] } | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${adminPort}/healthz`);
    return response.ok ? ((await response.json()) as { pid: number; workers: number[] }) : null;
  } catch {
    return null;
  }
}

/** A service of the host: its folder with its own admin token, then added through the host's API. */
async function addService(dir: string, hostPort: number, key: string, token: string): Promise<RouterAdminClient> {
  await mkdir(join(dir, key), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, key, 'admin-token'), `${token}\n`, { mode: 0o600 });
  const adminPort = await freePort();
  const added = await hostCall(hostPort, 'PUT', `/services/${key}`, { adminPort });
  expect(added.status, JSON.stringify(added.body)).toBe(200);
  return new RouterAdminClient(adminPort, token);
}

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

/**
 * New connections every time: Node's global agent keeps connections alive, and one a killed or
 * replaced worker held would be reused and hang up — the lost connections of a dead worker are
 * expected; what these checks ask is whether the service takes new ones.
 */
const freshConnections = new Agent({ keepAlive: false });

async function revisionsServed(port: number, count = 10): Promise<Set<number | undefined>> {
  const answers = await Promise.all(Array.from({ length: count }, () => send(port, '/', { agent: freshConnections })));
  expect(answers.map((answer) => answer.status)).toEqual(Array(count).fill(200));
  return new Set(answers.map((answer) => answer.json().revision));
}

// Real router processes (a supervisor and its workers) start slowly on a busy 2-core machine.
describe('one router for every service of a host (--host)', { timeout: 600_000 }, () => {
  it('serves each service on its own ports with its own token and config; a bad push, a removal or a dead worker touches no other service; a restart serves every last config', async () => {
    const dir = await bed.dir();
    await writeFile(join(dir, 'host-token'), `${HOST_TOKEN}\n`, { mode: 0o600 });
    const hostPort = await freePort();
    const first = startHost(dir, hostPort);
    await waitFor(`the host to answer /healthz (output: ${first.output()})`, async () => (await hostHealth(hostPort)) !== null, 90_000);
    expect((await hostCall(hostPort, 'GET', '/services', undefined, 'wrong-token-0123456789')).status).toBe(401);
    expect((await hostCall(hostPort, 'PUT', '/services/development/Not_A_Name', { adminPort: 1 })).status).toBe(400);

    const alpha = await addService(dir, hostPort, 'development/alpha', `${TOKEN}-alpha`);
    const beta = await addService(dir, hostPort, 'development/beta', `${TOKEN}-beta`);
    const [a1, a2, b1] = [await bed.backend(1), await bed.backend(2), await bed.backend(7)];
    const alphaConfig = await pushOnFreePort(alpha, routerConfig([a1, a2], { 1: 50, 2: 50 }, { service: 'alpha', environment: 'development', generation: 2 }));
    const betaConfig = await pushOnFreePort(beta, routerConfig([b1], { 7: 100 }, { service: 'beta', environment: 'development', generation: 5 }));
    expect(await revisionsServed(alphaConfig.port)).toEqual(new Set([1, 2]));
    expect(await revisionsServed(betaConfig.port)).toEqual(new Set([7]));

    // A service's token is that service's only.
    await expect(new RouterAdminClient(beta.adminPort, `${TOKEN}-alpha`).getStats()).rejects.toMatchObject({ code: ErrorCode.Unauthorized });
    // A bad config is refused for its service; the other is untouched. A config for another service is refused too.
    const refused = await fetch(`http://127.0.0.1:${alpha.adminPort}/config`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}-alpha` }, body: JSON.stringify({ ...alphaConfig, weights: { 1: -5 } }) });
    expect(refused.status).toBe(400);
    await expect(alpha.pushConfig({ ...betaConfig, generation: 99 })).rejects.toMatchObject({ code: ErrorCode.Conflict });
    // The port of another service is refused for this one, and that service goes on serving.
    await expect(alpha.pushConfig({ ...alphaConfig, port: betaConfig.port, generation: 3 })).rejects.toMatchObject({ code: ErrorCode.PortInUse });
    expect(await revisionsServed(betaConfig.port)).toEqual(new Set([7]));
    await alpha.pushConfig({ ...alphaConfig, generation: 4 });
    expect(await revisionsServed(alphaConfig.port)).toEqual(new Set([1, 2]));
    // Counters and samples per service.
    await waitFor('alpha counted apart from beta', async () => {
      const [alphaStats, betaStats] = [await alpha.getStats(), await beta.getStats()];
      return alphaStats.service === 'alpha' && betaStats.service === 'beta' && betaStats.revisions['7']!.requests >= 20 && alphaStats.revisions['7'] === undefined && (alphaStats.revisions['1']?.requests ?? 0) + (alphaStats.revisions['2']?.requests ?? 0) >= 20;
    });
    expect((await beta.getSamples(0)).revision.every((revision) => revision === 7)).toBe(true);

    // A SIGKILLed worker: the sibling goes on serving both services, a replacement serves both without a push.
    const before = (await hostHealth(hostPort))!;
    process.kill(before.workers[0]!, 'SIGKILL');
    // Connections it had accepted before it died are lost (reset), as with a router of one service: look once it is gone.
    await waitFor('the worker to be gone', () => !alive(before.workers[0]!));
    expect(await revisionsServed(betaConfig.port)).toEqual(new Set([7]));
    await waitFor('a replacement worker', async () => {
      const health = await hostHealth(hostPort);
      return health !== null && health.workers.length === 2 && !health.workers.includes(before.workers[0]!);
    }, 120_000);
    for (let i = 0; i < 3; i++) expect(await revisionsServed(alphaConfig.port)).toEqual(new Set([1, 2]));

    // Removing a service closes its ports and admin API; the other keeps serving.
    expect((await hostCall(hostPort, 'DELETE', '/services/development/alpha')).body).toEqual({ removed: true });
    await expect(send(alphaConfig.port, '/')).rejects.toThrow();
    expect(await alpha.healthz()).toBe(false);
    expect(await revisionsServed(betaConfig.port)).toEqual(new Set([7]));

    // A host SIGKILLed with its workers, started again: every service it kept serves its last config, no push.
    process.kill(-first.child.pid!, 'SIGKILL');
    await waitFor('the old host to be gone', async () => (await hostHealth(hostPort)) === null, 30_000);
    const second = startHost(dir, hostPort);
    await waitFor(`the new host (output: ${second.output()})`, async () => (await hostHealth(hostPort)) !== null, 90_000);
    expect((await hostCall(hostPort, 'GET', '/services')).body.services).toEqual([{ key: 'development/beta', adminPort: beta.adminPort }]);
    expect(await revisionsServed(betaConfig.port)).toEqual(new Set([7]));
    expect((await beta.getStats()).generation).toBe(betaConfig.generation);
    expect(first.output() + second.output()).not.toContain(TOKEN);
  });

  it('survives a SIGKILL of its supervisor: the workers go on serving every service and start a new host, which takes over', async () => {
    const dir = await bed.dir();
    await writeFile(join(dir, 'host-token'), `${HOST_TOKEN}\n`, { mode: 0o600 });
    const hostPort = await freePort();
    const first = startHost(dir, hostPort);
    await waitFor(`the host to answer /healthz (output: ${first.output()})`, async () => (await hostHealth(hostPort)) !== null, 90_000);
    const clients = [await addService(dir, hostPort, 'development/one', `${TOKEN}-one`), await addService(dir, hostPort, 'staging/two', `${TOKEN}-two`)];
    const backend = await bed.backend(3);
    const configs = [
      await pushOnFreePort(clients[0]!, routerConfig([backend], { 3: 100 }, { service: 'one', environment: 'development' })),
      await pushOnFreePort(clients[1]!, routerConfig([backend], { 3: 100 }, { service: 'two', environment: 'staging' })),
    ];
    const before = (await hostHealth(hostPort))!;
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    for (const config of configs) expect(await revisionsServed(config.port)).toEqual(new Set([3]));
    let after: { pid: number; workers: number[] } | null = null;
    await waitFor('a new host', async () => {
      after = await hostHealth(hostPort);
      return after !== null && after.pid !== before.pid && after.workers.length === 2;
    }, 120_000);
    console.log(`host supervisor SIGKILL: a new host served every service after ${Date.now() - killedAt} ms`);
    groups.add(after!.pid);
    for (const config of configs) expect(await revisionsServed(config.port)).toEqual(new Set([3]));
    for (const [i, client] of clients.entries()) expect((await client.getStats()).service).toBe(configs[i]!.service);
  });

  it('caps each service\'s client connections: a flood holding one service\'s connections leaves its neighbour answering', async () => {
    const dir = await bed.dir();
    await writeFile(join(dir, 'host-token'), `${HOST_TOKEN}\n`, { mode: 0o600 });
    const hostPort = await freePort();
    const host = startHost(dir, hostPort);
    await waitFor(`the host to answer /healthz (output: ${host.output()})`, async () => (await hostHealth(hostPort)) !== null, 90_000);
    const flooded = await addService(dir, hostPort, 'development/flooded', `${TOKEN}-flooded`);
    const calm = await addService(dir, hostPort, 'development/calm', `${TOKEN}-calm`);
    // 40 connections for the whole host: 20 in each of its 2 workers.
    const floodedConfig = await pushOnFreePort(flooded, routerConfig([await bed.backend(1)], { 1: 100 }, { service: 'flooded', environment: 'development', generation: 1, maxConnections: 40 }));
    const calmConfig = await pushOnFreePort(calm, routerConfig([await bed.backend(2)], { 2: 100 }, { service: 'calm', environment: 'development', generation: 1 }));
    expect(await revisionsServed(floodedConfig.port)).toEqual(new Set([1]));

    // The flood: 300 connections opened at once and held, sending nothing.
    const flood = Array.from({ length: 300 }, () => {
      const socket = connect(floodedConfig.port, '127.0.0.1');
      const held = { socket, closed: false };
      socket.on('error', () => undefined);
      socket.on('close', () => (held.closed = true));
      return held;
    });
    try {
      const open = (): number => flood.filter((held) => !held.closed).length;
      await waitFor('the router to close the connections beyond the cap', () => open() <= 40, 60_000);
      // The neighbour answers every request, on new connections, while the flood holds its share.
      expect(await revisionsServed(calmConfig.port, 20)).toEqual(new Set([2]));
      // The flooded service itself takes no more: its cap is held.
      const refused = await Promise.all(Array.from({ length: 5 }, () => send(floodedConfig.port, '/', { agent: freshConnections }).then((answer) => answer.status, () => 0)));
      expect(refused).toEqual([0, 0, 0, 0, 0]);
      expect(open()).toBeGreaterThan(0);
    } finally {
      for (const { socket } of flood) socket.destroy();
    }
    // Once the flood lets go, the service answers again.
    await waitFor('the flooded service to answer again', async () => (await send(floodedConfig.port, '/', { agent: freshConnections }).catch(() => null))?.status === 200, 30_000);
    await waitFor('the refusals to be logged', () => host.output().includes('"event":"connections-refused"'), 30_000);
  });
});
