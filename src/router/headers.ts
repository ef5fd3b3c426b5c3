import type { AddressRanges } from '../core/address-range.ts';
import type { ProxyRequest } from './exchange.ts';

/**
 * Headers are copied as flat `[name, value, name, value…]` arrays, the shape
 * of `rawHeaders`, which `http.request` and `writeHead` take as they are: no
 * header object is built per request (Node builds `req.headers` lazily), and
 * names keep the case the client wrote.
 */
export type RawHeaders = string[];

/** Headers about one connection (RFC 9110 §7.6.1), never forwarded to the next hop. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Set by the router from what it sees itself, unless the peer is a trusted proxy. */
const FORWARDING = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']);

/** Connection tokens that name no header. */
const CONNECTION_OPTIONS = new Set(['close', 'keep-alive', 'upgrade']);

/** What the router needs to know about a request's headers, gathered in the same pass that copies them. */
export interface RequestHead {
  /** The headers for the instance. */
  headers: RawHeaders;
  /** The `x-cutover-revision` value, if sent. */
  pin: string | undefined;
  /** Whether the client sent a body (Content-Length or Transfer-Encoding). */
  hadBody: boolean;
  /**
   * The client's Content-Length, left out of `headers`: a body the router
   * holds is sent with its own length (the client may have sent it chunked).
   */
  contentLength: string | undefined;
}

/**
 * What the instance receives: the client's end-to-end headers, without the
 * hop-by-hop ones and those its Connection header names, and with
 * `x-forwarded-for` (the peer appended), `x-forwarded-proto` and
 * `x-forwarded-host`. A client's own forwarding headers are believed only
 * when its address is in `trusted`: anyone else could claim to be anyone.
 * `Expect` is dropped: the router has already answered "100 Continue".
 */
export function requestHead(req: Pick<ProxyRequest, 'rawHeaders' | 'socket'>, trusted: AddressRanges, pinHeader: string, keepUpgrade = false): RequestHead {
  const raw = req.rawHeaders;
  const peer = req.socket.remoteAddress ?? 'unknown';
  const trustPeer = trusted.has(peer);
  const headers: RawHeaders = [];
  let pin: string | undefined;
  let hadBody = false;
  let contentLength: string | undefined;
  let named: string[] | undefined;
  let forwardedFor: string | undefined;
  let proto: string | undefined;
  let forwardedHost: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === pinHeader) pin ??= value;
    else if (lower === 'host') host ??= value;
    else if (lower === 'transfer-encoding') hadBody = true;
    else if (lower === 'content-length') {
      hadBody = true;
      contentLength ??= value;
      continue;
    }
    if (lower === 'connection') named = connectionNames(value, named);
    if (FORWARDING.has(lower)) {
      if (!trustPeer) continue;
      if (lower === 'x-forwarded-for') {
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      }
      if (lower === 'x-forwarded-proto') {
        proto ??= value;
        continue;
      }
      if (lower === 'x-forwarded-host') {
        forwardedHost ??= value;
        continue;
      }
    }
    if (lower === 'expect') continue;
    if (HOP_BY_HOP.has(lower) && !(keepUpgrade && (lower === 'upgrade' || lower === 'connection'))) continue;
    headers.push(name, value);
  }
  const result = named ? withoutNamed(headers, named) : headers;
  result.push(
    'x-forwarded-for',
    forwardedFor === undefined ? peer : `${forwardedFor}, ${peer}`,
    'x-forwarded-proto',
    proto ?? 'http',
  );
  const forwardedHostValue = forwardedHost ?? host;
  if (forwardedHostValue !== undefined) result.push('x-forwarded-host', forwardedHostValue);
  // Only HTTP/1.0 may come without Host (both server sides refuse HTTP/1.1 without one), but the router asks its
  // instances in HTTP/1.1, which needs one (they would answer 400): the address the client reached the router at.
  if (host === undefined) result.push('host', routerAuthority(req.socket));
  return { headers: result, pin, hadBody, contentLength };
}

function routerAuthority(socket: ProxyRequest['socket']): string {
  const address = socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  return socket.localPort === undefined ? host : `${host}:${socket.localPort}`;
}

/** What the client receives from the instance's answer. */
export function downstreamHeaders(raw: RawHeaders): RawHeaders {
  const headers: RawHeaders = [];
  let named: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'connection') named = connectionNames(raw[i + 1]!, named);
    if (HOP_BY_HOP.has(lower)) continue;
    headers.push(name, raw[i + 1]!);
  }
  return named ? withoutNamed(headers, named) : headers;
}

/** Headers a Connection value names (beyond close/keep-alive/upgrade), lowercased. */
function connectionNames(value: string, names: string[] | undefined): string[] | undefined {
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name && !CONNECTION_OPTIONS.has(name)) (names ??= []).push(name);
  }
  return names;
}

function withoutNamed(headers: RawHeaders, named: readonly string[]): RawHeaders {
  const kept: RawHeaders = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!named.includes(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!);
  }
  return kept;
}
