import { describe, expect, it } from 'vitest';
import { parseAddress } from './address.ts';
import { checkOutbound, parseAllowEntry, type AllowEntry } from './allow-list.ts';

const policy = (...entries: string[]) => ({ environment: 'development', allow: entries.map((entry) => parseAllowEntry(entry) as AllowEntry) });
const at = (...addresses: string[]) => addresses.map((address) => parseAddress(address)!);

describe('parseAllowEntry', () => {
  it.each([
    ['prometheus.internal', { kind: 'name', name: 'prometheus.internal' }],
    ['Hooks.Example.com:443', { kind: 'name', name: 'hooks.example.com', port: 443 }],
    ['localhost:9090', { kind: 'name', name: 'localhost', port: 9090 }],
    ['127.0.0.1', { kind: 'range', range: { family: 4, bits: 32 } }],
    ['127.0.0.1:9090', { kind: 'range', range: { family: 4, bits: 32 }, port: 9090 }],
    ['10.0.0.0/8', { kind: 'range', range: { family: 4, bits: 8 } }],
    ['::1', { kind: 'range', range: { family: 6, bits: 128 } }],
    ['[::1]:9090', { kind: 'range', range: { family: 6, bits: 128 }, port: 9090 }],
    ['fd00::/8', { kind: 'range', range: { family: 6, bits: 8 } }],
  ])('reads %s', (text, expected) => {
    expect(parseAllowEntry(text)).toMatchObject(expected);
  });

  it.each(['', 'http://example.com', 'example.com:0', 'example.com:70000', 'exa mple.com', '10.0.0.0/40', '1.2.3', '[10.0.0.1]:80', '[::1]:x', '-bad.example', '*'])('refuses %j with what it expects', (text) => {
    expect(parseAllowEntry(text)).toMatch(/^expected a host/);
  });
});

describe('checkOutbound', () => {
  it('refuses everything when nothing is allowed, naming the kind of address and the config key', () => {
    const verdict = checkOutbound(policy(), '127.0.0.1', 7401, at('127.0.0.1'));
    expect(verdict).toEqual({ ok: false, reason: '127.0.0.1 is a loopback address (127.0.0.0/8); to allow it, add "127.0.0.1:7401" to environments.development.outbound.allow in the server config' });
    expect(checkOutbound(policy(), 'example.com', 443, at('93.184.216.34'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not in the allow list \(example\.com resolves to it\); to allow it, add "example\.com:443"/) });
  });

  it('allows an address or a range that names it, on the port given', () => {
    expect(checkOutbound(policy('127.0.0.1:7401'), '127.0.0.1', 7401, at('127.0.0.1')).ok).toBe(true);
    expect(checkOutbound(policy('127.0.0.1:7401'), '127.0.0.1', 7402, at('127.0.0.1')).ok).toBe(false);
    expect(checkOutbound(policy('127.0.0.0/8'), '127.0.0.1', 1, at('127.0.0.1')).ok).toBe(true);
    expect(checkOutbound(policy('10.0.0.0/8'), '10.1.2.3', 80, at('10.1.2.3')).ok).toBe(true);
    expect(checkOutbound(policy('[::1]:80'), '::1', 80, at('::1')).ok).toBe(true);
  });

  it('never reaches a special range through a wider one: 0.0.0.0/0 is every public address, not loopback or metadata', () => {
    const internet = policy('0.0.0.0/0', '::/0');
    expect(checkOutbound(internet, '8.8.8.8', 443, at('8.8.8.8')).ok).toBe(true);
    expect(checkOutbound(internet, '2606:4700:4700::1111', 443, at('2606:4700:4700::1111')).ok).toBe(true);
    for (const address of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1']) {
      expect(checkOutbound(internet, address, 80, at(address)), address).toMatchObject({ ok: false });
    }
    expect(checkOutbound(policy('169.254.0.0/16'), '169.254.169.254', 80, at('169.254.169.254')).ok).toBe(false);
    expect(checkOutbound(policy('169.254.169.254'), '169.254.169.254', 80, at('169.254.169.254')).ok).toBe(true);
  });

  it('checks every address a name resolves to: one outside the allow list refuses the call', () => {
    expect(checkOutbound(policy('0.0.0.0/0'), 'rebind.example', 80, at('8.8.8.8', '127.0.0.1'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^127\.0\.0\.1 is a loopback address/) });
    expect(checkOutbound(policy('0.0.0.0/0'), 'nothing.example', 80, [])).toMatchObject({ ok: false, reason: 'nothing.example resolved to no address' });
  });

  it('trusts a host the list names to resolve where its DNS says, on the port given', () => {
    expect(checkOutbound(policy('localhost:9090'), 'localhost', 9090, at('127.0.0.1', '::1')).ok).toBe(true);
    expect(checkOutbound(policy('localhost:9090'), 'localhost', 9091, at('127.0.0.1')).ok).toBe(false);
    expect(checkOutbound(policy('prometheus.internal'), 'prometheus.internal', 80, at('10.0.0.5')).ok).toBe(true);
    expect(checkOutbound(policy('prometheus.internal'), 'other.internal', 80, at('10.0.0.5')).ok).toBe(false);
  });
});
