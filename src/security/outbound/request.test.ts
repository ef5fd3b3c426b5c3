import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowEntry, type AllowEntry } from './allow-list.ts';
import { OutboundRefused, outboundRequest } from './request.ts';

const policy = (...entries: string[]) => ({ environment: 'development', allow: entries.map((entry) => parseAllowEntry(entry) as AllowEntry) });

describe('outboundRequest', () => {
  let server: Server;
  let port = 0;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === '/redirect') res.writeHead(302, { location: '/secret' }).end();
      else if (req.url === '/big') res.end(Buffer.alloc(64 * 1024, 'x'));
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 5000).unref();
      else if (req.url === '/stall') {
        res.write('{"partial": ');
        setTimeout(() => res.end('1}'), 5000).unref();
      }
      else if (req.url === '/secret') res.end('the secret');
      else res.end(JSON.stringify({ method: req.method, body: req.headers['content-length'] ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('calls an allowed address and returns the status and body', async () => {
    const reply = await outboundRequest(policy(`127.0.0.1:${port}`), { method: 'POST', url: `http://127.0.0.1:${port}/x`, body: '{}', timeoutMs: 5000 });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body.toString())).toEqual({ method: 'POST', body: '2' });
  });

  it('refuses an address the list does not name without connecting, naming the host and the config key', async () => {
    const before = requests;
    const call = outboundRequest(policy(), { method: 'GET', url: `http://127.0.0.1:${port}/secret`, timeoutMs: 5000 });
    await expect(call).rejects.toBeInstanceOf(OutboundRefused);
    await expect(call).rejects.toThrow(`GET http://127.0.0.1:${port}/secret refused: 127.0.0.1 is a loopback address (127.0.0.0/8); to allow it, add "127.0.0.1:${port}" to environments.development.outbound.allow`);
    expect(requests).toBe(before);
  });

  it('refuses the decimal, octal and IPv4-mapped spellings of a loopback address', async () => {
    for (const host of ['2130706433', '0x7f.1', '017700000001', '[::ffff:127.0.0.1]']) {
      await expect(outboundRequest(policy('0.0.0.0/0', '::/0'), { method: 'GET', url: `http://${host}:${port}/secret`, timeoutMs: 5000 }), host).rejects.toThrow(/is a loopback address/);
    }
  });

  it('resolves a name and checks what it resolves to: localhost is refused under "every public address"', async () => {
    const refused = outboundRequest(policy('0.0.0.0/0', '::/0'), { method: 'GET', url: `http://localhost:${port}/secret`, timeoutMs: 5000 });
    await expect(refused).rejects.toThrow(/is a loopback address .* \(localhost resolves to it\); to allow it, add "localhost:\d+"/);
  });

  it('connects to the address it checked: a name allowed by the list is pinned to its resolved addresses', async () => {
    const reply = await outboundRequest(policy(`localhost:${port}`), { method: 'GET', url: `http://localhost:${port}/secret`, timeoutMs: 5000 });
    expect(reply.body.toString()).toBe('the secret');
  });

  it('does not follow redirects', async () => {
    const reply = await outboundRequest(policy(`127.0.0.1:${port}`), { method: 'GET', url: `http://127.0.0.1:${port}/redirect`, timeoutMs: 5000 });
    expect(reply.status).toBe(302);
    expect(reply.body.toString()).toBe('');
  });

  it('cuts off a reply larger than the cap', async () => {
    await expect(outboundRequest(policy(`127.0.0.1:${port}`), { method: 'GET', url: `http://127.0.0.1:${port}/big`, timeoutMs: 5000, maxReplyBytes: 1024 })).rejects.toThrow(/larger than 1024 bytes/);
  });

  it('gives up after its timeout', async () => {
    await expect(outboundRequest(policy(`127.0.0.1:${port}`), { method: 'GET', url: `http://127.0.0.1:${port}/slow`, timeoutMs: 300 })).rejects.toThrow(/timed out after 300ms/);
  });

  it('gives up after its timeout while the body is still arriving', async () => {
    await expect(outboundRequest(policy(`127.0.0.1:${port}`), { method: 'GET', url: `http://127.0.0.1:${port}/stall`, timeoutMs: 300 })).rejects.toThrow(/timed out after 300ms/);
  });

  it('refuses schemes other than http and https', async () => {
    await expect(outboundRequest(policy('0.0.0.0/0'), { method: 'GET', url: 'file:///etc/passwd', timeoutMs: 1000 })).rejects.toThrow(/only http and https/);
  });
});
