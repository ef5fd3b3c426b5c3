import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllowEntry, type AllowEntry } from './allow-list.ts';
import { outboundRequest } from './request.ts';

// The check's lookup answers what a rebinding DNS answers first; the system's resolver knows no such name.
const answers: Record<string, string[]> = { 'first-public.invalid': ['8.8.8.8', '127.0.0.1'], 'checked.invalid': ['127.0.0.1'] };
vi.mock('node:dns/promises', () => ({
  lookup: (host: string) => {
    const found = answers[host];
    return found ? Promise.resolve(found.map((address) => ({ address, family: 4 }))) : Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`));
  },
}));

const policy = (...entries: string[]) => ({ environment: 'development', allow: entries.map((entry) => parseAllowEntry(entry) as AllowEntry) });

/**
 * No DNS rebinding between the check and the connection: the connection goes
 * to the address that was checked, never through a second lookup (which a
 * rebinding DNS would answer with another address). The names here resolve
 * only through the check's lookup: a second lookup would fail.
 */
describe('outboundRequest pins the connection to the checked address', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('reached the checked address'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('connects to the address it resolved and checked, without resolving the name again', async () => {
    const reply = await outboundRequest(policy(`127.0.0.1:${port}`), { method: 'GET', url: `http://checked.invalid:${port}/`, timeoutMs: 5000 });
    expect(reply.body.toString()).toBe('reached the checked address');
  });

  it('refuses a name when any address it resolves to is not allowed, even if another is', async () => {
    await expect(outboundRequest(policy('0.0.0.0/0'), { method: 'GET', url: `http://first-public.invalid:${port}/`, timeoutMs: 5000 })).rejects.toThrow(
      /127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\) \(first-public\.invalid resolves to it\)/,
    );
  });
});
