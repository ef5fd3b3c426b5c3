import { describe, expect, it } from 'vitest';
import { AddressRanges, isAddressRange } from './address-range.ts';

describe('address ranges', () => {
  it('isAddressRange accepts addresses and CIDR ranges of both families and nothing else', () => {
    for (const good of ['10.0.0.7', '10.0.0.0/8', '0.0.0.0/0', '::1', 'fd00::/8', '2001:db8::/128']) expect(isAddressRange(good)).toBe(true);
    for (const bad of ['', 'localhost', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0/8', '10.0.0.0/8/8', '1.2.3.4/ 8', '10.0.0.0/-1']) {
      expect(isAddressRange(bad)).toBe(false);
    }
  });

  it('AddressRanges matches addresses inside its ranges, IPv4-mapped IPv6 included', () => {
    const ranges = new AddressRanges(['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
    expect(ranges.has('10.1.2.3')).toBe(true);
    expect(ranges.has('::ffff:10.1.2.3')).toBe(true);
    expect(ranges.has('192.168.1.5')).toBe(true);
    expect(ranges.has('192.168.1.6')).toBe(false);
    expect(ranges.has('fd12::1')).toBe(true);
    expect(ranges.has('127.0.0.1')).toBe(false);
    expect(ranges.has(undefined)).toBe(false);
    expect(new AddressRanges([]).has('10.0.0.1')).toBe(false);
  });
});
