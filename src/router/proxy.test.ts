import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestBed, inParallel, routerConfig, send, waitFor } from '../../test/support/router-test-bed.ts';

const bed = new TestBed();
afterEach(async () => {
  await bed.closeAll();
  vi.unstubAllEnvs();
});

async function routerWith(config: Parameters<typeof routerConfig>) {
  const router = await bed.router(await bed.dir());
  const client = bed.client(router);
  await client.pushConfig(routerConfig(...config));
  const port = router.ports().traffic;
  if (port === undefined) throw new Error('router is not listening for traffic');
  return { router, client, port };
}

// Both server sides serve the same proxy: the router's own (the default) and Node's (CUTOVER_ROUTER_SERVER=node, the way back).
describe.each(['own', 'node'])('proxy (%s server)', (server) => {
  beforeEach(() => vi.stubEnv('CUTOVER_ROUTER_SERVER', server));

  it('splits requests between revisions by weight', async () => {
    const [a, b, c] = [await bed.backend(1), await bed.backend(1), await bed.backend(2)];
    const { port } = await routerWith([[a, b, c], { 1: 80, 2: 20 }]);

    const answers = await inParallel(2000, 8, () => send(port, '/', { agent: bed.agent }));

    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const toCanary = answers.filter((answer) => answer.json().revision === 2).length;
    expect(toCanary / 2000).toBeGreaterThan(0.17);
    expect(toCanary / 2000).toBeLessThan(0.23);
    // Least in-flight with round-robin ties spreads revision 1 over both instances.
    expect(Math.min(a.received, b.received)).toBeGreaterThan(400);
  });

  it('pins a request to the revision in x-cutover-revision, even at weight 0', async () => {
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const { port } = await routerWith([[stable, canary], { 1: 100, 2: 0 }]);

    for (let i = 0; i < 5; i++) {
      expect((await send(port, '/', { headers: { 'x-cutover-revision': '2' } })).json().revision).toBe(2);
    }
    expect((await send(port, '/')).json().revision).toBe(1);
    const unknown = await send(port, '/', { headers: { 'x-cutover-revision': '9' } });
    expect(unknown.status).toBe(503);
    expect(unknown.json().error?.message).toContain('no revision 9');
    expect((await send(port, '/', { headers: { 'x-cutover-revision': 'latest' } })).status).toBe(400);
  });

  it('answers 503 for a pinned revision that has no instance in rotation', async () => {
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const config = routerConfig([stable, canary], { 1: 100 });
    config.backends[1] = canary.asConfig(false);
    const router = await bed.router(await bed.dir());
    await bed.client(router).pushConfig(config);

    const answer = await send(router.ports().traffic ?? 0, '/', { headers: { 'x-cutover-revision': '2' } });
    expect(answer.status).toBe(503);
    expect(answer.json().error?.message).toContain('Revision 2 of hello has no healthy instance');
  });

  it('serves only the preview revision on the preview port', async () => {
    const [stable, preview] = [await bed.backend(1), await bed.backend(2)];
    const { router } = await routerWith([[stable, preview], { 1: 100 }, { previewPort: 0, previewRevision: 2 }]);
    const previewPort = router.ports().preview ?? 0;

    const answers = await inParallel(20, 4, () => send(previewPort, '/'));
    expect(answers.map((answer) => answer.json().revision)).toEqual(Array(20).fill(2));
    expect((await send(router.ports().traffic ?? 0, '/')).json().revision).toBe(1);
  });

  it('falls back to another revision when the chosen one has no instance in rotation', async () => {
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const config = routerConfig([stable, canary], { 1: 50, 2: 50 });
    config.backends[1] = canary.asConfig(false);
    const router = await bed.router(await bed.dir());
    await bed.client(router).pushConfig(config);

    const answers = await inParallel(40, 4, () => send(router.ports().traffic ?? 0, '/'));
    expect(answers.map((answer) => answer.json().revision)).toEqual(Array(40).fill(1));
  });

  it('answers 503 with a JSON explanation when no instance is available, and counts it', async () => {
    const stable = await bed.backend(1);
    const config = routerConfig([stable], { 1: 100 });
    config.backends[0] = stable.asConfig(false);
    const router = await bed.router(await bed.dir());
    const client = bed.client(router);
    await client.pushConfig(config);

    const answer = await send(router.ports().traffic ?? 0, '/');
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toContain('application/json');
    expect(answer.json().error).toEqual({ code: 'NoInstanceAvailable', message: 'No healthy instance of hello is in rotation.' });
    expect((await client.getStats()).revisions['1']).toMatchObject({ requests: 1, routerErrors: 1, errors5xx: 0 });
  });

  it('retries on another instance when one refuses connections, so clients see no error', async () => {
    const [alive, dead] = [await bed.backend(1), await bed.backend(1)];
    const { port, client } = await routerWith([[alive, dead], { 1: 100 }]);
    // Warm the router's keep-alive pool to both instances first: reused sockets must be retried too.
    await inParallel(10, 2, () => send(port, '/', { agent: bed.agent }));
    await dead.close();
    // Port 1: nothing listens there and no test can take it (it needs root to bind), unlike the port just closed.
    dead.port = 1;

    const gets = await inParallel(50, 4, () => send(port, '/', { agent: bed.agent }));
    const posts = await inParallel(20, 4, () => send(port, '/', { method: 'POST', body: 'order=1', agent: bed.agent }));

    expect([...gets, ...posts].filter((answer) => answer.status !== 200)).toEqual([]);
    const stats = await client.getStats();
    expect(stats.backends[dead.id]?.healthy).toBe(false);
    expect(stats.revisions['1']).toMatchObject({ requests: 80, errors5xx: 0, routerErrors: 0 });
  });

  it('retries a POST on another instance only when the connection was refused', async () => {
    const [alive, dead] = [await bed.backend(1), await bed.backend(1)];
    await dead.close();
    // Port 1: nothing listens there and no test can take it (it needs root to bind), unlike the port just closed.
    dead.port = 1;
    const { port, client } = await routerWith([[dead, alive], { 1: 100 }]);

    const posts = await inParallel(10, 2, () => send(port, '/', { method: 'POST', body: 'order=1' }));
    expect(posts.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect((await client.getStats()).backends[dead.id]).toMatchObject({ healthy: false, inFlight: 0 });

    // A connection that opened and then broke may have been acted on: a POST is not sent twice.
    const crashed = await send(port, '/crash', { method: 'POST', body: 'order=2' });
    expect(crashed.status).toBe(502);
    expect(crashed.json().error?.code).toBe('UpstreamFailed');
    expect(alive.received).toBe(11);
  });

  it('answers 502 after three failed attempts of an idempotent request, and counts it', async () => {
    const [a, b] = [await bed.backend(1), await bed.backend(1)];
    const { port, client } = await routerWith([[a, b], { 1: 100 }]);

    const answer = await send(port, '/crash');
    expect(answer.status).toBe(502);
    expect(answer.json().error?.message).toContain('after 3 attempt(s)');
    expect(a.received + b.received).toBe(3);
    expect((await client.getStats()).revisions['1']).toMatchObject({ requests: 1, routerErrors: 1 });
  });

  it('counts a slow request in flight until it completes, so a drain can wait for it', async () => {
    const [leaving, staying] = [await bed.backend(1), await bed.backend(1)];
    const config = routerConfig([leaving, staying], { 1: 100 });
    config.backends[1] = staying.asConfig(false);
    const { router, client } = await (async () => {
      const router = await bed.router(await bed.dir());
      const client = bed.client(router);
      await client.pushConfig(config);
      return { router, client };
    })();

    const slow = send(router.ports().traffic ?? 0, '/hold');
    await waitFor('the request to reach the instance', () => leaving.held.length === 1);
    expect((await client.getStats()).backends[leaving.id]?.inFlight).toBe(1);

    // The control plane takes it out of rotation, then waits for its requests to end.
    await client.pushConfig({ ...config, generation: 2, backends: [leaving.asConfig(false), staying.asConfig(true)] });
    expect(await client.waitForDrain(leaving.id, 200)).toEqual({ drained: false, inFlight: 1 });
    expect((await send(router.ports().traffic ?? 0, '/')).json().id).toBe(staying.id);

    leaving.releaseHeld();
    expect((await slow).status).toBe(200);
    expect(await client.waitForDrain(leaving.id, 10_000)).toEqual({ drained: true, inFlight: 0 });
  });

  it('keeps counting a removed instance until its last request ends', async () => {
    const [leaving, staying] = [await bed.backend(1), await bed.backend(1)];
    const config = routerConfig([leaving], { 1: 100 });
    const router = await bed.router(await bed.dir());
    const client = bed.client(router);
    await client.pushConfig(config);

    const slow = send(router.ports().traffic ?? 0, '/hold');
    await waitFor('the request to reach the instance', () => leaving.held.length === 1);
    await client.pushConfig({ ...config, generation: 2, backends: [staying.asConfig()] });
    expect((await client.getStats()).backends[leaving.id]?.inFlight).toBe(1);

    leaving.releaseHeld();
    expect((await slow).status).toBe(200);
    await waitFor('the removed instance to leave the stats', async () => (await client.getStats()).backends[leaving.id] === undefined);
  });

  it('serves every request while a new revision replaces the old one under load', async () => {
    const [old1, old2, new1, new2] = [await bed.backend(1), await bed.backend(1), await bed.backend(2), await bed.backend(2)];
    const router = await bed.router(await bed.dir());
    const client = bed.client(router);
    let generation = 0;
    const push = (backends: ReturnType<typeof old1.asConfig>[], weights: Record<string, number>) =>
      client.pushConfig({ ...routerConfig([], weights), backends, generation: ++generation });
    await push([old1.asConfig(), old2.asConfig()], { 1: 100 });
    const port = router.ports().traffic ?? 0;

    const statuses: number[] = [];
    let running = true;
    const load = inParallel(4, 4, async (worker) => {
      for (let i = 0; running; i++) {
        const method = (worker + i) % 3 === 0 ? 'POST' : 'GET';
        statuses.push((await send(port, '/', { method, body: method === 'POST' ? 'x=1' : undefined, agent: bed.agent })).status);
      }
    });
    const served = (count: number) => waitFor(`${count} more requests`, () => statuses.length >= count);

    await served(50);
    await push([old1.asConfig(), old2.asConfig(), new1.asConfig(false), new2.asConfig(false)], { 1: 100 });
    await push([old1.asConfig(), old2.asConfig(), new1.asConfig(), new2.asConfig()], { 1: 50, 2: 50 });
    await served(statuses.length + 50);
    for (const [index, old] of [old1, old2].entries()) {
      const remaining = [old1, old2].slice(index + 1).map((backend) => backend.asConfig());
      await push([...remaining, old.asConfig(false), new1.asConfig(), new2.asConfig()], index === 1 ? { 2: 100 } : { 1: 50, 2: 50 });
      expect((await client.waitForDrain(old.id, 10_000)).drained).toBe(true);
      await old.close();
      await push([...remaining, new1.asConfig(), new2.asConfig()], index === 1 ? { 2: 100 } : { 1: 50, 2: 50 });
      await served(statuses.length + 50);
    }
    running = false;
    await load;

    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(new1.received + new2.received).toBeGreaterThan(50);
  });

  it('counts 5xx answers and latency per revision', async () => {
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const { port, client } = await routerWith([[stable, canary], { 1: 50, 2: 50 }]);

    for (let i = 0; i < 4; i++) await send(port, '/', { headers: { 'x-cutover-revision': '1' } });
    for (let i = 0; i < 3; i++) await send(port, '/?status=503', { headers: { 'x-cutover-revision': '2' } });
    await send(port, '/?status=404', { headers: { 'x-cutover-revision': '2' } });

    const { revisions } = await client.getStats();
    expect(revisions['1']).toMatchObject({ requests: 4, errors5xx: 0, routerErrors: 0 });
    expect(revisions['2']).toMatchObject({ requests: 4, errors5xx: 3, routerErrors: 0 });
    const latency = revisions['2']?.latency;
    expect(latency?.count).toBe(4);
    expect(latency?.sumMs).toBeGreaterThan(0);
    expect(latency?.buckets.length).toBe(latency?.counts.length);
    // Cumulative counts never decrease and never exceed the total.
    expect(latency?.counts).toEqual([...(latency?.counts ?? [])].sort((x, y) => x - y));
    expect(Math.max(...(latency?.counts ?? [0]))).toBeLessThanOrEqual(4);
  });

  it('tags each sample with its route template, whether it was pinned, and the instance age, for the canary judge', async () => {
    const [stable, canary] = [await bed.backend(1), await bed.backend(2)];
    const { port, client } = await routerWith([[stable, canary], { 1: 100, 2: 0 }]);

    await send(port, '/users/42?x=1');
    await send(port, '/users/43', { headers: { 'x-cutover-revision': '2' } });
    const samples = await client.getSamples(0);
    expect(samples.revision).toEqual([1, 2]);
    expect(samples.route?.map((i) => samples.routes?.[i])).toEqual(['GET /users/:id', 'GET /users/:id']);
    expect(samples.pinned).toEqual([0, 1]);
    expect(samples.instanceAgeMs?.every((age) => age >= 0 && age < 60_000)).toBe(true);
  });

  it('marks an instance down after failed health checks and up again after one success', async () => {
    const [flaky, steady] = [await bed.backend(1), await bed.backend(1)];
    const healthCheck = { path: '/healthz', intervalMs: 50, timeoutMs: 1_000, unhealthyThreshold: 2 };
    const { port, client } = await routerWith([[flaky, steady], { 1: 100 }, { healthCheck }]);

    flaky.healthy = false;
    await waitFor('the flaky instance to be marked down', async () => (await client.getStats()).backends[flaky.id]?.healthy === false);
    const before = flaky.received;
    await inParallel(20, 2, () => send(port, '/'));
    expect(flaky.received).toBe(before);

    flaky.healthy = true;
    await waitFor('the flaky instance to be marked up', async () => (await client.getStats()).backends[flaky.id]?.healthy === true);
    await inParallel(20, 2, () => send(port, '/'));
    expect(flaky.received).toBeGreaterThan(before);
  });

  it('aborts the upstream request when the client goes away', async () => {
    const instance = await bed.backend(1);
    const { port, client } = await routerWith([[instance], { 1: 100 }]);

    const req = request({ host: '127.0.0.1', port, path: '/hold' });
    req.on('error', () => {});
    req.end();
    await waitFor('the request to reach the instance', () => instance.held.length === 1);
    req.destroy();

    await waitFor('the instance to see the request abandoned', () => instance.abandoned === 1);
    await waitFor('nothing in flight', async () => (await client.getStats()).backends[instance.id]?.inFlight === 0);
    expect((await client.getStats()).revisions['1']).toMatchObject({ requests: 1, errors5xx: 0, routerErrors: 0 });
  });

  it('passes method, headers and body through, drops hop-by-hop headers and adds x-forwarded-*', async () => {
    const instance = await bed.backend(1);
    const { port } = await routerWith([[instance], { 1: 100 }]);

    const answer = await send(port, '/echo', {
      method: 'PATCH',
      headers: { connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'x-custom': 'kept', 'x-forwarded-for': '10.0.0.1' },
      body: 'a'.repeat(1000),
    });
    const seen = answer.json();
    expect(answer.status).toBe(200);
    expect(answer.headers['x-backend']).toBe(instance.id);
    expect(seen.method).toBe('PATCH');
    expect(seen.bodyLength).toBe(1000);
    expect(seen.headers?.['x-custom']).toBe('kept');
    expect(seen.headers?.['x-hop']).toBeUndefined();
    expect(seen.headers?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers?.['x-forwarded-proto']).toBe('http');
  });

  it('replaces forwarding headers sent by a peer that is not a trusted proxy', async () => {
    const instance = await bed.backend(1);
    const { port } = await routerWith([[instance], { 1: 100 }]);

    const seen = (
      await send(port, '/', {
        headers: { host: 'shop.example', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'bank.example', forwarded: 'for=6.6.6.6;proto=https' },
      })
    ).json().headers;
    expect(seen?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.['x-forwarded-proto']).toBe('http');
    expect(seen?.['x-forwarded-host']).toBe('shop.example');
    expect(seen?.forwarded).toBeUndefined();
    expect(seen?.host).toBe('shop.example');
  });

  it('appends to x-forwarded-for and keeps x-forwarded-proto/host from a trusted proxy', async () => {
    const instance = await bed.backend(1);
    const { port } = await routerWith([[instance], { 1: 100 }, { trustedProxies: ['127.0.0.0/8'] }]);

    const seen = (
      await send(port, '/', { headers: { host: 'lb.internal', 'x-forwarded-for': '203.0.113.9, 10.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' } })
    ).json().headers;
    expect(seen?.['x-forwarded-for']).toBe('203.0.113.9, 10.0.0.1, 127.0.0.1');
    expect(seen?.['x-forwarded-proto']).toBe('https');
    expect(seen?.['x-forwarded-host']).toBe('shop.example');

    // A trusted proxy that sends none gets the router's own values.
    const plain = (await send(port, '/', { headers: { host: 'lb.internal' } })).json().headers;
    expect(plain?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(plain?.['x-forwarded-proto']).toBe('http');
    expect(plain?.['x-forwarded-host']).toBe('lb.internal');
  });

  it('refuses a config whose trustedProxies entry is not an address or CIDR range, naming it', async () => {
    const router = await bed.router(await bed.dir());
    const config = routerConfig([], {}, { trustedProxies: ['10.0.0.0/8', 'proxy.local'] });
    await expect(bed.client(router).pushConfig(config)).rejects.toThrow(/trustedProxies\[1\].*IP address or CIDR range/);
  });

  it('streams a body too large to hold', async () => {
    const instance = await bed.backend(1);
    const { port } = await routerWith([[instance], { 1: 100 }]);

    const answer = await send(port, '/upload', { method: 'PUT', body: Buffer.alloc(9 * 1024 * 1024, 1) });
    expect(answer.status).toBe(200);
    expect(answer.json().bodyLength).toBe(9 * 1024 * 1024);
  });
});
