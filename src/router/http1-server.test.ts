import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestBed, routerConfig, send, waitFor } from '../../test/support/router-test-bed.ts';
import { ErrorCode } from '../core/errors.ts';
import { routerServerFromEnv } from './traffic-listeners.ts';

const bed = new TestBed();
beforeEach(() => vi.stubEnv('CUTOVER_ROUTER_SERVER', 'own'));
afterEach(async () => {
  await bed.closeAll();
  vi.unstubAllEnvs();
});

async function routerPort(): Promise<{ port: number; backend: Awaited<ReturnType<TestBed['backend']>> }> {
  const backend = await bed.backend(1);
  const router = await bed.router(await bed.dir());
  await bed.client(router).pushConfig(routerConfig([backend], { 1: 100 }));
  return { port: router.ports().traffic!, backend };
}

/** Writes raw bytes and reads until the router closes the connection (or `untilText` is seen). */
function raw(port: number, text: string | string[], untilText?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of answer; got ${JSON.stringify(received.slice(0, 500))}`));
    }, 20_000);
    const done = (): void => {
      clearTimeout(deadline);
      socket.destroy();
      resolve(received);
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (untilText?.test(received)) done();
    });
    socket.on('close', done);
    socket.on('error', done);
    const parts = Array.isArray(text) ? text : [text];
    void (async () => {
      for (const part of parts) {
        socket.write(part, 'latin1');
        await new Promise((next) => setTimeout(next, 20));
      }
    })();
  });
}

describe('the router\'s own HTTP/1.1 server', () => {
  it('relays GET and a POST body on one keep-alive connection', async () => {
    const { port, backend } = await routerPort();
    const answers = await raw(
      port,
      'GET /a HTTP/1.1\r\nhost: x\r\n\r\nPOST /b HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    const statuses = answers.match(/HTTP\/1\.1 \d+/g);
    expect(statuses).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(answers).toContain('"bodyLength":5');
    expect(backend.received).toBe(3);
  });

  it('answers a GET with a body and a POST, as Node would', async () => {
    const { port, backend } = await routerPort();
    const post = await send(port, '/', { method: 'POST', body: 'x' });
    expect(post.text).toContain('"bodyLength":1');
    const get = await send(port, '/', { method: 'GET', body: 'x', headers: { 'content-length': 1 } });
    expect(get.text).toContain('"bodyLength":1');
    expect((await send(port, '/', { method: 'PUT', body: 'y'.repeat(100_000), headers: { 'transfer-encoding': 'chunked' } })).json().bodyLength).toBe(100_000);
    expect(backend.received).toBe(3);
  });

  it.each([
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd'],
    ['two equal Content-Lengths', 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ncontent-length: 3\r\n\r\nabc'],
    ['a Content-Length that is not a number', 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: +3\r\n\r\nabc'],
    ['a Transfer-Encoding other than chunked last', 'POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nhost: x\r\nx-a: a\r\n b\r\n\r\n'],
    ['bare LF', 'GET / HTTP/1.1\nhost: x\n\n'],
    ['bare CR', 'GET / HTTP/1.1\r\nhost: x\rx-b: b\r\n\r\n'],
    ['a space in a header name', 'GET / HTTP/1.1\r\nho st: x\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nhost : x\r\n\r\n'],
    ['a control byte in a value', 'GET / HTTP/1.1\r\nhost: x\x01y\r\n\r\n'],
    ['a smuggled second request in a chunked body', 'POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\nGET /smuggled HTTP/1.1\r\n\r\n'],
    ['a GET with bytes that are not HTTP right behind it', 'GET / HTTP/1.1\r\nhost: x\r\n\r\nx\r\n\r\n'],
    ['a GET saying "Connection: close" with bytes behind it', 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\nxyz'],
    ['an HTTP/1.1 request without Host', 'GET / HTTP/1.1\r\n\r\n'],
    ['two Host headers', 'GET / HTTP/1.1\r\nhost: a\r\nHost: b\r\n\r\n'],
  ])('refuses %s with 400 and closes, reaching no instance', async (_what, request) => {
    const { port, backend } = await routerPort();
    const answer = await raw(port, request);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toMatch(/\r\ndate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/);
    expect(answer.match(/HTTP\/1\.1 \d+/g)).toHaveLength(1);
    expect(backend.received).toBe(0);
  });

  it('answers a request already handed on when bytes that are not HTTP follow it, then refuses them with 400 and closes', async () => {
    const { port, backend } = await routerPort();
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    try {
      socket.write('GET /hold HTTP/1.1\r\nhost: x\r\n\r\n');
      await waitFor('the request to reach the instance', () => backend.held.length === 1);
      socket.write('x\r\n\r\n');
      // The router may read the bad bytes before or after the instance answers: either way the answer comes first.
      backend.releaseHeld();
      await closed;
    } finally {
      socket.destroy();
    }
    expect(answer.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 400']);
    expect(backend.received).toBe(1);
  });

  it.each(['own', 'node'])('forwards an HTTP/1.0 request without Host with the address it reached the router at as its Host (%s server)', async (server) => {
    vi.stubEnv('CUTOVER_ROUTER_SERVER', server);
    const { port } = await routerPort();
    const answer = await raw(port, 'GET / HTTP/1.0\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain(`"host":"127.0.0.1:${port}"`);
  });

  it('dates the router\'s own answers', async () => {
    const { port } = await routerPort();
    const answer = await raw(port, 'GET / HTTP/1.1\r\nhost: x\r\nx-cutover-revision: 9\r\nconnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\ndate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/);
    expect(answer.match(/\r\ndate: /gi)).toHaveLength(1);
  });

  it('refuses a head over 16 KB with 431', async () => {
    const { port, backend } = await routerPort();
    const answer = await raw(port, `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(backend.received).toBe(0);
  });

  it('answers Expect: 100-continue before the body, and 417 to any other expectation', async () => {
    const { port, backend } = await routerPort();
    const answer = await raw(port, ['POST / HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\nconnection: close\r\n\r\n', 'hi']);
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(answer).toContain('"bodyLength":2');
    expect(await raw(port, 'GET / HTTP/1.1\r\nhost: x\r\nexpect: magic\r\n\r\n')).toMatch(/^HTTP\/1\.1 417 /);
    expect(backend.received).toBe(1);
  });

  it('gives a HEAD answer no body, and keeps the connection usable after it', async () => {
    const { port } = await routerPort();
    const answer = await raw(port, 'HEAD / HTTP/1.1\r\nhost: x\r\n\r\nGET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    const [head, rest] = answer.split(/\r\n\r\n/, 2);
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(rest).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('closes an HTTP/1.0 connection after its answer unless it asked to keep it', async () => {
    const { port } = await routerPort();
    const answer = await raw(port, 'GET / HTTP/1.0\r\nhost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toContain('"revision":1');
  });

  it('frees a connection\'s place under the cap once it answered "Connection: close", without waiting for the client to close its side', async () => {
    const backend = await bed.backend(1);
    const router = await bed.router(await bed.dir());
    await bed.client(router).pushConfig(routerConfig([backend], { 1: 100 }, { maxConnections: 1 }));
    const port = router.ports().traffic!;
    // A client that never closes its side: the router must not hold the cap's one place for it.
    const lingering = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    lingering.on('error', () => undefined);
    let first = '';
    lingering.on('data', (chunk: Buffer) => (first += chunk.toString('latin1')));
    const ended = new Promise<void>((resolve) => lingering.on('end', resolve));
    try {
      lingering.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', 'latin1');
      await ended;
      expect(first).toMatch(/^HTTP\/1\.1 200 /);
      // A connection beyond the cap is closed unanswered; the next one is answered once the place is free.
      await waitFor('a second connection to be answered', async () => /^HTTP\/1\.1 200 /.test(await raw(port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')));
    } finally {
      lingering.destroy();
    }
    expect(backend.received).toBe(2);
  });

  it('refuses CONNECT', async () => {
    const { port, backend } = await routerPort();
    expect(await raw(port, 'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com\r\n\r\n')).toMatch(/^HTTP\/1\.1 405 /);
    expect(backend.received).toBe(0);
  });

  it('answers 408 and closes when a head does not arrive in time (slowloris)', { timeout: 60_000 }, async () => {
    const { port, backend } = await routerPort();
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      let received = '';
      socket.write('GET / HTTP/1.1\r\nhost: x\r\n');
      const drip = setInterval(() => socket.write('x-drip: 1\r\n'), 500);
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('close', () => {
        clearInterval(drip);
        resolve(received);
      });
      socket.on('error', () => undefined);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    expect(backend.received).toBe(0);
  });

  it('abandons the instance\'s answer when the client leaves', async () => {
    const { port, backend } = await routerPort();
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    socket.write('GET /hold HTTP/1.1\r\nhost: x\r\n\r\n');
    await waitFor('the request to reach the instance', () => backend.held.length === 1);
    socket.end();
    await waitFor('the instance to see the request abandoned', () => backend.abandoned === 1);
  });
});

describe('CUTOVER_ROUTER_SERVER', () => {
  it('picks the router\'s own server unless told `node`, and names the choices when the value is neither', () => {
    expect(routerServerFromEnv({})).toBe('own');
    expect(routerServerFromEnv({ CUTOVER_ROUTER_SERVER: '' })).toBe('own');
    expect(routerServerFromEnv({ CUTOVER_ROUTER_SERVER: 'node' })).toBe('node');
    expect(() => routerServerFromEnv({ CUTOVER_ROUTER_SERVER: 'nginx' })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig, message: expect.stringContaining('must be one of node, own') }));
  });
});
