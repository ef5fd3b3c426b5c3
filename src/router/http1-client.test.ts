import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionPool, requestHeadText, type UpstreamResponse } from './http1-client.ts';

/**
 * The router's client to instances, against raw TCP servers that write
 * exactly the bytes under test: framings http.createServer would not
 * produce on demand (close-delimited bodies, interim answers, a break
 * mid-body). It also checks Node's undocumented parser still works as used.
 */
const servers: Server[] = [];
const pools: ConnectionPool[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server that answers each request (a head ending in a blank line) with `answer(request, socket)`. */
async function rawServer(answer: (request: string, socket: Socket) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const request = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        answer(request, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, connections: () => connections };
}

interface Result {
  response?: UpstreamResponse;
  body: string;
  outcome: 'ended' | 'broke' | 'failed';
  error?: NodeJS.ErrnoException;
}

function exchange(pool: ConnectionPool, method = 'GET', path = '/'): Promise<Result> {
  return new Promise((resolve) => {
    const connection = pool.take();
    const chunks: Buffer[] = [];
    connection.send(
      {
        head: method === 'HEAD',
        answered: (response) =>
          response.relay({
            write: (chunk) => chunks.push(chunk) > 0,
            end: () => resolve({ response, body: Buffer.concat(chunks).toString(), outcome: 'ended' }),
            fail: (error) => resolve({ response, body: Buffer.concat(chunks).toString(), outcome: 'broke', error }),
          }),
        failed: (error) => resolve({ body: '', outcome: 'failed', error }),
        done: () => undefined,
      },
      requestHeadText(method, path, ['host', 'test']),
      undefined,
    );
  });
}

function newPool(port: number): ConnectionPool {
  const pool = new ConnectionPool(port, 4_000);
  pools.push(pool);
  return pool;
}

describe('http1 client', () => {
  it('reuses one keep-alive connection for requests in a row, and reads chunked and Content-Length bodies', async () => {
    const server = await rawServer((request, socket) => {
      if (request.startsWith('GET /chunked')) socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
      else socket.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nok');
    });
    const pool = newPool(server.port);
    const chunked = await exchange(pool, 'GET', '/chunked');
    expect(chunked).toMatchObject({ outcome: 'ended', body: 'hello world' });
    expect(chunked.response?.rawHeaders).toEqual(['Transfer-Encoding', 'chunked', 'X-A', '1']);
    const plain = await exchange(pool);
    expect(plain.response?.statusCode).toBe(201);
    expect(plain.response?.statusMessage).toBe('Created');
    expect(plain.response?.rawHeaders).toEqual(['Content-Length', '2', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
    expect(plain.body).toBe('ok');
    expect(server.connections()).toBe(1);
    expect(pool.size).toBe(1);
  });

  it('skips interim answers, reads no body after HEAD, and reads a body that runs to the end of the connection', async () => {
    const server = await rawServer((request, socket) => {
      if (request.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
      else if (request.startsWith('GET /hints')) socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal');
      else socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
    });
    const pool = newPool(server.port);
    expect(await exchange(pool, 'HEAD')).toMatchObject({ outcome: 'ended', body: '' });
    const hinted = await exchange(pool, 'GET', '/hints');
    expect(hinted).toMatchObject({ outcome: 'ended', body: 'real' });
    expect(hinted.response?.statusCode).toBe(200);
    expect(server.connections()).toBe(1);
    expect(await exchange(pool, 'GET', '/eof')).toMatchObject({ outcome: 'ended', body: 'until the end' });
    // A connection whose answer ran to its end cannot carry another.
    await expect.poll(() => pool.size).toBe(0);
  });

  it('says the answer broke off when the instance closes mid-body, and that it failed when nothing came', async () => {
    const server = await rawServer((request, socket) => {
      if (request.startsWith('GET /half')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      else socket.destroy();
    });
    const pool = newPool(server.port);
    const half = await exchange(pool, 'GET', '/half');
    expect(half).toMatchObject({ outcome: 'broke', body: 'only part' });
    const none = await exchange(pool, 'GET', '/none');
    expect(none.outcome).toBe('failed');
    expect(none.error?.code).toBe('ECONNRESET');
  });

  it('fails with the connect error when nothing listens, and refuses a malformed answer', async () => {
    const server = await rawServer((_request, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'));
    const refused = await exchange(newPool(1));
    expect(refused.error?.code).toBe('ECONNREFUSED');
    const malformed = await exchange(newPool(server.port));
    expect(malformed.outcome).toBe('failed');
    expect(malformed.error?.code).toMatch(/^HPE_/);
  });

  it('refuses to write a header that would end its line early', () => {
    expect(() => requestHeadText('GET', '/', ['x-a', 'b\r\nx-smuggled: 1'])).toThrow(/Invalid header "x-a"/);
    expect(requestHeadText('GET', '/p?q=1', ['Host', 'h', 'x-b', 'c'])).toBe('GET /p?q=1 HTTP/1.1\r\nHost: h\r\nx-b: c\r\n\r\n');
  });
});
