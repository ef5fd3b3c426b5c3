import { isIP } from 'node:net';

/** An IP address as a number: 32 bits (IPv4) or 128 bits (IPv6). */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** Parses an IPv4 or IPv6 address as `net.isIP` accepts it ("10.0.0.1", "::ffff:7f00:1", "fe80::1%eth0"); undefined otherwise. */
export function parseAddress(text: string): IpAddress | undefined {
  const address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(address);
  if (family === 4) return { family: 4, value: v4Value(address) };
  if (family === 6) return { family: 6, value: v6Value(address.replace(/%.*$/, '')) };
  return undefined;
}

function v4Value(text: string): bigint {
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

/** Expands "::", and a trailing dotted IPv4 part, into eight 16-bit groups. */
function v6Value(text: string): bigint {
  let groups: string[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let rest = text;
  if (dotted) {
    const v4 = v4Value(dotted[1]!);
    rest = `${text.slice(0, -dotted[1]!.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = rest.split('::') as [string, string | undefined];
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  if (tail === undefined) groups = split(head);
  else {
    const front = split(head);
    const back = split(tail);
    groups = [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  }
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** The address as text, the way WHATWG URL and `dns.lookup` write it ("127.0.0.1", "::ffff:7f00:1"). */
export function formatAddress(address: IpAddress): string {
  if (address.family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  const groups = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((address.value >> shift) & 0xffffn).toString(16));
  // The longest run of two or more zero groups becomes "::".
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start === -1) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/** A range of addresses: the first `bits` bits of `prefix`. */
export interface AddressRange {
  family: 4 | 6;
  prefix: bigint;
  bits: number;
}

/** "10.0.0.0/8", "fd00::/8", or one address ("10.0.0.7": /32, "::1": /128); undefined when not a range. */
export function parseRange(text: string): AddressRange | undefined {
  const slash = text.indexOf('/');
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const width = address.family === 4 ? 32 : 128;
  if (slash === -1) return { family: address.family, prefix: address.value, bits: width };
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > width) return undefined;
  return { family: address.family, prefix: address.value, bits: Number(bits) };
}

export function inRange(address: IpAddress, range: AddressRange): boolean {
  if (address.family !== range.family) return false;
  const shift = BigInt((address.family === 4 ? 32 : 128) - range.bits);
  return address.value >> shift === range.prefix >> shift;
}
