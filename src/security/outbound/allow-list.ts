import { formatAddress as formatted, inRange, parseAddress, parseRange, type AddressRange, type IpAddress } from './address.ts';
import { specialRange } from './classify.ts';

/**
 * One entry of `environments.<env>.outbound.allow`: a host name
 * (`prometheus.internal`, `hooks.example.com:443`), an address
 * (`127.0.0.1:9090`, `[::1]:9090`) or a CIDR range (`10.0.0.0/8`,
 * `0.0.0.0/0` for every public IPv4 address). A port, when given, must match.
 */
export type AllowEntry = { kind: 'name'; name: string; port?: number; text: string } | { kind: 'range'; range: AddressRange; port?: number; text: string };

const NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function portOf(text: string): number | undefined | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/** Parses an entry; a string saying what is expected when it is not one. */
export function parseAllowEntry(input: string): AllowEntry | string {
  const text = input.trim().toLowerCase();
  const expected = `expected a host ("hooks.example.com"), host:port ("127.0.0.1:9090", "[::1]:9090") or CIDR range ("10.0.0.0/8"); got "${input}"`;
  // [v6]:port, [v6]
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    const range = parseRange(bracketed[1]!);
    const port = bracketed[2] === undefined ? undefined : portOf(bracketed[2]);
    if (!range || range.family !== 6 || port === null) return expected;
    return { kind: 'range', range, ...(port ? { port } : {}), text };
  }
  // a bare address or CIDR range (IPv6 ones have colons of their own)
  const range = parseRange(text);
  if (range) return { kind: 'range', range, text };
  const colon = text.lastIndexOf(':');
  const host = colon === -1 ? text : text.slice(0, colon);
  const port = colon === -1 ? undefined : portOf(text.slice(colon + 1));
  if (port === null) return expected;
  const hostRange = parseRange(host);
  if (hostRange) return hostRange.family === 4 && !host.includes('/') ? { kind: 'range', range: hostRange, ...(port ? { port } : {}), text } : expected;
  if (!NAME.test(host) || /^[\d.]+$/.test(host)) return expected;
  return { kind: 'name', name: host, ...(port ? { port } : {}), text };
}

/** What an outbound call is checked against: the environment it is made for and its allow list. */
export interface OutboundPolicy {
  environment: string;
  allow: readonly AllowEntry[];
}

export type OutboundVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether a call to `host`:`port`, which resolved to `addresses`, may go out.
 * Allowed when an entry names the host (what it resolves to is then trusted:
 * the operator named it), or when every address is in a range entry. An
 * address in a special range (loopback, private, link-local, CGNAT, metadata…)
 * counts as allowed by a range entry only when that entry is no wider than the
 * special range itself: `127.0.0.1` or `10.0.0.0/8` allow what they say, while
 * `0.0.0.0/0` (every public address) never reaches loopback or 10/8.
 */
export function checkOutbound(policy: OutboundPolicy, host: string, port: number, addresses: readonly IpAddress[]): OutboundVerdict {
  const ports = (entry: AllowEntry) => entry.port === undefined || entry.port === port;
  if (!parseAddress(host) && policy.allow.some((entry) => entry.kind === 'name' && entry.name === host && ports(entry))) return { ok: true };
  if (addresses.length === 0) return { ok: false, reason: `${host} resolved to no address` };
  for (const address of addresses) {
    const special = specialRange(address);
    const covered = policy.allow.some(
      (entry) => entry.kind === 'range' && ports(entry) && inRange(address, entry.range) && (!special || (entry.range.family === special.parsed.family && entry.range.bits >= special.parsed.bits)),
    );
    if (!covered) {
      const shown = address.family === 6 ? `[${formatted(address)}]` : formatted(address);
      const what = special ? `${formatted(address)} is a ${special.kind} address (${special.range})` : `${formatted(address)} is not in the allow list`;
      const named = parseAddress(host) ? '' : ` (${host} resolves to it)`;
      return { ok: false, reason: `${what}${named}; to allow it, add "${parseAddress(host) ? shown : host}:${port}" to environments.${policy.environment}.outbound.allow in the server config` };
    }
  }
  return { ok: true };
}

/** The policy of an environment from its `outbound.allow` entries (validated with the config; an entry that is not one allows nothing). */
export function outboundPolicy(environment: string, allow: readonly string[]): OutboundPolicy {
  return { environment, allow: allow.map(parseAllowEntry).filter((entry): entry is AllowEntry => typeof entry !== 'string') };
}
