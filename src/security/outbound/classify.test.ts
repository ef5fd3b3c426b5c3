import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress, parseRange } from './address.ts';
import { specialRange } from './classify.ts';

/** What WHATWG URL makes of a host (the form outbound calls see), then its class. */
const kindOfUrlHost = (host: string) => specialRange(new URL(`http://${host}/`).hostname.replace(/^\[|\]$/g, ''))?.kind;

describe('specialRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.253', 'link-local'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
  ])('IPv4 %s is %s', (address, kind) => {
    expect(specialRange(address)?.kind).toBe(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '192.169.0.1', '11.0.0.1', '126.255.255.255', '128.0.0.1', '223.255.255.255', '169.253.255.255', '198.20.0.1'])(
    'IPv4 %s is public',
    (address) => {
      expect(specialRange(address)).toBeUndefined();
    },
  );

  it.each([
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fd00:ec2::253', 'private'],
    ['fc00::1', 'private'],
    ['fdff:ffff::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['64:ff9b:1::a', 'private'],
  ])('IPv6 %s is %s', (address, kind) => {
    expect(specialRange(address)?.kind).toBe(kind);
  });

  it.each(['2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '2001:4860::8888', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8'])('IPv6 %s is public', (address) => {
    expect(specialRange(address)).toBeUndefined();
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:a9fe:a9fe', 'cloud metadata'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'cloud metadata'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
  ])('an IPv6 address carrying IPv4 (%s) is judged by the IPv4 address: %s', (address, kind) => {
    expect(specialRange(address)?.kind).toBe(kind);
  });

  it.each([
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['017700000001', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['0', 'unspecified'],
    ['0251.0376.0251.0376', 'cloud metadata'],
    ['2852039166', 'cloud metadata'],
    ['0xa9.0xfe.0xa9.0xfe', 'cloud metadata'],
    ['012.1', 'private'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['[::ffff:169.254.169.254]', 'cloud metadata'],
    ['[0:0:0:0:0:ffff:7f00:1]', 'loopback'],
    ['[fd00:ec2:0::254]', 'cloud metadata'],
  ])('the URL host %s, as WHATWG URL normalises it, is %s', (host, kind) => {
    expect(kindOfUrlHost(host)).toBe(kind);
  });

  it('treats text that is not an address as reserved, never as public', () => {
    expect(specialRange('localhost')?.kind).toBe('reserved');
    expect(specialRange('1.2.3')?.kind).toBe('reserved');
  });
});

describe('addresses and ranges', () => {
  it('reads and writes IPv4 and IPv6 addresses the way URL and dns.lookup do', () => {
    for (const text of ['127.0.0.1', '::1', '::', 'fe80::1', '2001:db8::8:800:200c:417a', '::ffff:7f00:1', '1:2:3:4:5:6:7:8', '1::8', '1:0:0:2::3']) {
      expect(formatAddress(parseAddress(text)!)).toBe(text);
    }
    expect(formatAddress(parseAddress('::ffff:127.0.0.1')!)).toBe('::ffff:7f00:1');
    expect(parseAddress('[::1]')).toEqual(parseAddress('::1'));
    expect(parseAddress('example.com')).toBeUndefined();
  });

  it('reads CIDR ranges and refuses wrong prefix lengths', () => {
    expect(parseRange('10.0.0.0/8')).toEqual({ family: 4, prefix: 0x0a000000n, bits: 8 });
    expect(parseRange('::1')).toMatchObject({ family: 6, bits: 128 });
    expect(parseRange('10.0.0.0/33')).toBeUndefined();
    expect(parseRange('::/129')).toBeUndefined();
    expect(parseRange('10.0.0.0/x')).toBeUndefined();
  });
});
