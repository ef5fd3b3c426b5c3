import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { RouterBackend } from './wire.ts';
import { TestBed, routerConfig, waitFor } from '../../test/support/router-test-bed.ts';

/** An instance that speaks WebSocket (the real `ws` server): it greets with its revision and echoes. */
async function wsInstance(revision: number, closers: (() => Promise<void>)[]) {
  const id = `ws-r${revision}-${Math.random().toString(36).slice(2, 8)}`;
  const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
  const wss = new WebSocketServer({ server });
  const closes: number[] = [];
  wss.on('connection', (socket, req) => {
    socket.send(JSON.stringify({ revision, id, forwardedFor: req.headers['x-forwarded-for'] }));
    socket.on('message', (data) => socket.send(`echo:${String(data)}`));
    socket.on('close', (code) => closes.push(code));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  closers.push(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { id, revision, port, closes, wss, asConfig: (inRotation = true): RouterBackend => ({ id, revision, port, inRotation }) };
}

interface Client {
  socket: WebSocket;
  revision: number;
  closeCode: number | undefined;
  closed: boolean;
}

/** A real `ws` client through the router; resolves once the instance's greeting arrived. */
function connect(port: number, headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/live`, { headers });
    const client: Client = { socket, revision: 0, closeCode: undefined, closed: false };
    socket.once('message', (data) => {
      client.revision = (JSON.parse(String(data)) as { revision: number }).revision;
      resolve(client);
    });
    socket.once('close', (code) => {
      client.closeCode = code;
      client.closed = true;
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
  });
}

async function connectMany(port: number, count: number): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) clients.push(await connect(port));
  return clients;
}

const bed = new TestBed();
const closers: (() => Promise<void>)[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const close of closers.splice(0).reverse()) await close();
  await bed.closeAll();
});

describe('WebSockets through the router', () => {
  it('a canary: upgrades follow the weights and the pin header, and messages flow both ways', async () => {
    const [stable, canary] = [await wsInstance(1, closers), await wsInstance(2, closers)];
    const router = await bed.router(await bed.dir());
    await bed.client(router).pushConfig(routerConfig([], { 1: 80, 2: 20 }, { backends: [stable.asConfig(), canary.asConfig()] }));
    const port = router.ports().traffic ?? 0;

    const clients = await connectMany(port, 50);
    sockets.push(...clients.map((client) => client.socket));
    expect(clients.filter((client) => client.revision === 2)).toHaveLength(10);
    const pinned = await connect(port, { 'x-cutover-revision': '2' });
    sockets.push(pinned.socket);
    expect(pinned.revision).toBe(2);

    const echo = new Promise<string>((resolve) => pinned.socket.once('message', (data) => resolve(String(data))));
    pinned.socket.send('x'.repeat(70_000));
    expect(await echo).toBe(`echo:${'x'.repeat(70_000)}`);
    const stats = await bed.client(router).getStats();
    expect(stats.revisions['2']?.tunnels).toEqual({ opened: 11, closedOnDrain: 0 });
    expect(stats.backends[canary.id]?.inFlight).toBe(11);
  });

  it('a blue-green switch: new connections go to the new revision; old ones stay until drainTimeout, then close with 1001 and are counted', async () => {
    const [blue, green] = [await wsInstance(1, closers), await wsInstance(2, closers)];
    const router = await bed.router(await bed.dir());
    const client = bed.client(router);
    const config = routerConfig([], { 1: 100 }, { backends: [blue.asConfig(), green.asConfig()], drainTimeoutMs: 3_000 });
    await client.pushConfig(config);
    const port = router.ports().traffic ?? 0;
    const onBlue = await connectMany(port, 5);
    sockets.push(...onBlue.map((c) => c.socket));
    expect(onBlue.every((c) => c.revision === 1)).toBe(true);

    // The switch: all weight to green; blue stays in rotation (scale-down delay), its sockets untouched.
    await client.pushConfig({ ...config, weights: { 2: 100 }, generation: 2 });
    const onGreen = await connectMany(port, 5);
    sockets.push(...onGreen.map((c) => c.socket));
    expect(onGreen.every((c) => c.revision === 2)).toBe(true);

    // Blue is drained: out of rotation, so its sockets close within drainTimeout.
    const drainStarted = Date.now();
    await client.pushConfig({ ...config, weights: { 2: 100 }, backends: [blue.asConfig(false), green.asConfig()], generation: 3 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(onBlue.some((c) => c.closed)).toBe(false);
    await waitFor('blue sockets to close', () => onBlue.every((c) => c.closed), 15_000);
    expect(Date.now() - drainStarted).toBeGreaterThanOrEqual(1_500);
    expect(onBlue.map((c) => c.closeCode)).toEqual(Array(5).fill(1001));
    await waitFor('the instance to see clean closes', () => blue.closes.length === 5);
    expect(blue.closes).toEqual(Array(5).fill(1001));
    expect(onGreen.some((c) => c.closed)).toBe(false);

    await waitFor('blue to hold nothing in flight', async () => (await client.getStats()).backends[blue.id]?.inFlight === 0);
    const stats = await client.getStats();
    expect(stats.revisions['1']?.tunnels).toEqual({ opened: 5, closedOnDrain: 5 });
    expect(stats.revisions['2']?.tunnels).toEqual({ opened: 5, closedOnDrain: 0 });
  });

  it('sets x-forwarded-for on the upgrade and answers 503 as JSON when the pinned revision is unknown', async () => {
    const stable = await wsInstance(1, closers);
    const router = await bed.router(await bed.dir());
    await bed.client(router).pushConfig(routerConfig([], { 1: 100 }, { backends: [stable.asConfig()] }));
    const port = router.ports().traffic ?? 0;

    const greeting = await new Promise<{ forwardedFor: string }>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '6.6.6.6' } });
      sockets.push(socket);
      socket.once('message', (data) => resolve(JSON.parse(String(data)) as { forwardedFor: string }));
      socket.once('error', reject);
    });
    expect(greeting.forwardedFor).toBe('127.0.0.1');
    await expect(connect(port, { 'x-cutover-revision': '7' })).rejects.toThrow('upgrade refused with 503');
  });

  it('closes open WebSockets with 1001 when the router stops', async () => {
    const stable = await wsInstance(1, closers);
    const router = await bed.router(await bed.dir());
    await bed.client(router).pushConfig(routerConfig([], { 1: 100 }, { backends: [stable.asConfig()] }));
    const clients = await connectMany(router.ports().traffic ?? 0, 3);
    sockets.push(...clients.map((c) => c.socket));

    await router.stop();
    await waitFor('sockets to close', () => clients.every((c) => c.closed));
    expect(clients.map((c) => c.closeCode)).toEqual([1001, 1001, 1001]);
  });
});
