import { inRange, parseAddress, parseRange, type AddressRange, type IpAddress } from './address.ts';

/** Why an address is not an ordinary public one. */
export const SPECIAL_KINDS = ['loopback', 'unspecified', 'private', 'link-local', 'carrier-grade NAT', 'cloud metadata', 'multicast', 'reserved'] as const;
export type SpecialKind = (typeof SPECIAL_KINDS)[number];

/** A special-purpose range an address fell in: what it is and the range (for the message and the allow rule). */
export interface SpecialRange {
  kind: SpecialKind;
  range: string;
  parsed: AddressRange;
}

/**
 * The ranges outbound calls refuse unless the config allows them, most
 * specific first (the metadata address before link-local). From the IANA
 * special-purpose registries (RFC 6890 and its updates).
 */
const SPECIAL: readonly (readonly [string, SpecialKind])[] = [
  // IPv4
  ['169.254.169.254/32', 'cloud metadata'],
  ['0.0.0.0/8', 'unspecified'], // "this network": 0.0.0.0 reaches the local host on Linux
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['169.254.0.0/16', 'link-local'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'reserved'], // documentation
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // and 255.255.255.255
  // IPv6
  ['fd00:ec2::254/128', 'cloud metadata'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'], // IPv4-compatible (deprecated)
  ['100::/64', 'reserved'], // discard
  ['2001::/32', 'reserved'], // Teredo: an IPv4 address in disguise
  ['2001:db8::/32', 'reserved'], // documentation
  ['64:ff9b:1::/48', 'private'], // local-use NAT64
  ['fc00::/7', 'private'], // unique local (ULA)
  ['fec0::/10', 'private'], // site-local (deprecated)
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];
const TABLE = SPECIAL.map(([range, kind]) => ({ kind, range, parsed: parseRange(range)! }));

/** IPv6 forms that carry an IPv4 address: the IPv4 address is what gets reached. */
const EMBEDDING: readonly { range: AddressRange; shift: bigint }[] = [
  { range: parseRange('::ffff:0:0/96')!, shift: 0n }, // IPv4-mapped
  { range: parseRange('64:ff9b::/96')!, shift: 0n }, // NAT64 well-known prefix
  { range: parseRange('2002::/16')!, shift: 80n }, // 6to4: 2002:AABB:CCDD::/48
];

/** The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if it does. */
export function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== 6) return undefined;
  for (const { range, shift } of EMBEDDING) if (inRange(address, range)) return { family: 4, value: (address.value >> shift) & 0xffffffffn };
  return undefined;
}

/**
 * The special range an address is in, or undefined for an ordinary public
 * address. An IPv6 address carrying an IPv4 one is judged by the IPv4 one
 * (`::ffff:127.0.0.1` is loopback). Text that is not an address is refused
 * as reserved: nothing unparsed is ever treated as public.
 */
export function specialRange(address: string | IpAddress): SpecialRange | undefined {
  const parsed = typeof address === 'string' ? parseAddress(address) : address;
  if (!parsed) return { kind: 'reserved', range: String(address), parsed: { family: 6, prefix: 0n, bits: 0 } };
  const v4 = embeddedIpv4(parsed);
  if (v4) return specialRange(v4);
  return TABLE.find((entry) => inRange(parsed, entry.parsed));
}
