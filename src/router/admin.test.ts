import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CutoverError } from '../core/errors.ts';
import { freePort } from '../core/net.ts';
import { RouterAdminClient } from '../traffic/builtin/index.ts';
import { TOKEN, TestBed, routerConfig, send } from '../../test/support/router-test-bed.ts';

const bed = new TestBed();
afterEach(() => bed.closeAll());

function rejection(promise: Promise<unknown>): Promise<CutoverError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => {
      if (!(error instanceof CutoverError)) throw error;
      return error;
    },
  );
}

describe('admin API', () => {
  it('answers /healthz without a token and refuses everything else without the right one', async () => {
    const router = await bed.router(await bed.dir());

    const health = await send(router.adminPort, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ ok: true, pid: process.pid, generation: null });

    expect((await send(router.adminPort, '/stats')).status).toBe(401);
    expect((await send(router.adminPort, '/stats', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await send(router.adminPort, '/stats', { headers: { authorization: TOKEN } })).status).toBe(401);
    expect((await send(router.adminPort, '/config', { method: 'PUT', body: '{}' })).status).toBe(401);
    expect((await send(router.adminPort, '/stats', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);

    const wrong = await rejection(new RouterAdminClient(router.adminPort, 'wrong').getStats());
    expect(wrong.code).toBe('Unauthorized');
    expect(wrong.retryable).toBe(false);
  });

  it('takes a new admin token from PUT /token with the current one, and refuses the old one after', async () => {
    const router = await bed.router(await bed.dir());
    const next = 'n'.repeat(43);
    expect((await send(router.adminPort, '/token', { method: 'PUT', body: JSON.stringify({ token: next }) })).status).toBe(401);
    expect((await send(router.adminPort, '/token', { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ token: 'short' }) })).status).toBe(400);
    await new RouterAdminClient(router.adminPort, TOKEN).changeToken(next);
    expect((await rejection(new RouterAdminClient(router.adminPort, TOKEN).getStats())).code).toBe('Unauthorized');
    await expect(new RouterAdminClient(router.adminPort, next).getStats()).resolves.toBeDefined();
  });

  it('ignores a config older than the current generation and says so with both generations', async () => {
    const instance = await bed.backend(1);
    const router = await bed.router(await bed.dir());
    const client = bed.client(router);

    await client.pushConfig(routerConfig([instance], { 1: 100 }, { generation: 5 }));
    const stale = await rejection(client.pushConfig(routerConfig([instance], { 1: 100 }, { generation: 3 })));
    expect(stale.code).toBe('Conflict');
    expect(stale.context).toMatchObject({ currentGeneration: 5, receivedGeneration: 3, status: 409 });
    expect((await client.getConfig()).generation).toBe(5);
    const otherService = await rejection(client.pushConfig(routerConfig([instance], { 1: 100 }, { generation: 9, service: 'billing' })));
    expect(otherService.message).toBe('This router serves hello, not billing; the config was sent to the wrong admin port.');

    // The same generation again is a retried push: accepted.
    await client.pushConfig(routerConfig([instance], { 1: 100 }, { generation: 5 }));
    await client.pushConfig(routerConfig([instance], { 1: 100 }, { generation: 6 }));
    expect((await client.getStats()).generation).toBe(6);
  });

  it('rejects an invalid config with a message naming the field', async () => {
    const instance = await bed.backend(1);
    const router = await bed.router(await bed.dir());
    const config = routerConfig([instance], { 1: 60, 2: 30 });
    config.backends[0] = { ...instance.asConfig(), port: 70_000 };

    const invalid = await rejection(bed.client(router).pushConfig(config));
    expect(invalid.code).toBe('InvalidRequest');
    expect(invalid.problems.map((problem) => problem.path)).toEqual(['backends[0].port', 'weights']);
    expect(invalid.message).toContain('weights: weights must add up to 100, not 90');

    const notJson = await send(router.adminPort, '/config', { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: '{' });
    expect(notJson.status).toBe(400);
    expect(notJson.text).toContain('not valid JSON');
  });

  it('persists the config (0600) and serves it again after a restart on the same state file', async () => {
    const instance = await bed.backend(1);
    const dir = await bed.dir();
    const first = await bed.router(dir);
    const config = routerConfig([instance], { 1: 100 }, { port: await freePort(), generation: 7 });
    await bed.client(first).pushConfig(config);

    const stored = join(dir, 'state.json');
    expect(JSON.parse(await readFile(stored, 'utf8'))).toEqual(config);
    expect((await stat(stored)).mode & 0o777).toBe(0o600);
    await first.stop();

    const second = await bed.router(dir);
    expect(second.ports().traffic).toBe(config.port);
    expect((await send(config.port, '/')).json().id).toBe(instance.id);
    expect((await bed.client(second).getConfig()).generation).toBe(7);
  });

  it('moves traffic to a new port when the config changes it', async () => {
    const instance = await bed.backend(1);
    const router = await bed.router(await bed.dir());
    const client = bed.client(router);
    const config = routerConfig([instance], { 1: 100 }, { port: await freePort() });
    await client.pushConfig(config);
    const newPort = await freePort();

    await client.pushConfig({ ...config, port: newPort, generation: 2 });
    expect(router.ports().traffic).toBe(newPort);
    expect((await send(newPort, '/')).status).toBe(200);
  });

  it('starts without a config when the state file is unreadable, and takes a push', async () => {
    const instance = await bed.backend(1);
    const dir = await bed.dir();
    await writeFile(join(dir, 'state.json'), '{"half": ');
    const router = await bed.router(dir);

    expect(router.ports().traffic).toBeUndefined();
    await bed.client(router).pushConfig(routerConfig([instance], { 1: 100 }));
    expect((await send(router.ports().traffic ?? 0, '/')).status).toBe(200);
  });

  it('reports an unreachable router as RouterUnavailable, retryable', async () => {
    const client = new RouterAdminClient(await freePort(), TOKEN, { timeoutMs: 2_000 });

    const error = await rejection(client.getStats());
    expect(error.code).toBe('RouterUnavailable');
    expect(error.retryable).toBe(true);
    expect(await client.healthz()).toBe(false);
  });
});
