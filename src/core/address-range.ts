import { BlockList, isIP } from 'node:net';

/** Entries a list of address ranges may hold: far more than any real set of proxies. */
export const MAX_ADDRESS_RANGES = 100;

/**
 * Whether `text` is an IP address ("10.0.0.7", "::1") or a CIDR range
 * ("10.0.0.0/8", "fd00::/8"). Spec and router config validation share it.
 */
export function isAddressRange(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * A set of address ranges, compiled once (node's BlockList) so that each
 * lookup costs no parsing. IPv4 addresses a dual-stack socket reports as
 * "::ffff:10.0.0.7" match their IPv4 ranges.
 */
export class AddressRanges {
  private readonly list = new BlockList();
  readonly size: number;

  /** `ranges` must pass isAddressRange (validated at the boundary). */
  constructor(ranges: readonly string[]) {
    this.size = ranges.length;
    for (const range of ranges) {
      const slash = range.indexOf('/');
      const address = slash === -1 ? range : range.slice(0, slash);
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (slash === -1) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(range.slice(slash + 1)), type);
    }
  }

  has(address: string | undefined): boolean {
    if (this.size === 0 || address === undefined) return false;
    if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return this.list.check(address.slice(7), 'ipv4');
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
