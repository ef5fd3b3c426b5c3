import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { formatAddress, parseAddress, type IpAddress } from './address.ts';
import { checkOutbound, type OutboundPolicy } from './allow-list.ts';

/** Replies larger than this are cut off: a metric or a hook's answer is small. */
export const MAX_REPLY_BYTES = 1024 * 1024;

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole call, from the lookup to the last byte of the reply. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** @default MAX_REPLY_BYTES */
  maxReplyBytes?: number;
}

export interface OutboundReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An HTTP call made for a deployer's spec (an `http` or `prometheus`
 * provider, an http hook) — never to somewhere the environment's allow list
 * does not name. The host is resolved once, every address it resolves to is
 * checked, and the connection goes to a checked address (so a name that
 * resolves elsewhere a moment later — DNS rebinding — gains nothing).
 * Redirects are not followed (a 3xx is the answer), the reply is capped at
 * `maxReplyBytes` and the whole call at `timeoutMs`. A refusal throws an
 * OutboundRefused error naming the host and the config key that allows it.
 */
export async function outboundRequest(policy: OutboundPolicy, call: OutboundRequest): Promise<OutboundReply> {
  let url: URL;
  try {
    url = new URL(call.url);
  } catch {
    throw refused(call, `${call.url} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused(call, `only http and https URLs are called, not ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const signal = AbortSignal.any([AbortSignal.timeout(call.timeoutMs), ...(call.signal ? [call.signal] : [])]);
  const addresses = await resolve(host, call, signal);
  const verdict = checkOutbound(policy, host, port, addresses);
  if (!verdict.ok) throw refused(call, verdict.reason);
  const pinned = addresses.map((address) => ({ address: formatAddress(address), family: address.family }));
  // Every connection of this request asks this lookup, which answers only the addresses just checked.
  const pinnedLookup = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, pinned);
    else callback(null, pinned[0]!.address, pinned[0]!.family);
  }) as unknown as LookupFunction;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const limit = call.maxReplyBytes ?? MAX_REPLY_BYTES;
  return await new Promise<OutboundReply>((resolvePromise, reject) => {
    // The timeout may fire before the answer or while its body arrives: either way it is said as a timeout.
    const fail = (error: Error) => reject(signal.aborted && !call.signal?.aborted ? new Error(`timed out after ${call.timeoutMs}ms`) : error);
    const req = send(url, { method: call.method, headers: call.headers ?? {}, lookup: pinnedLookup, agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          req.destroy(new Error(`the reply is larger than ${limit} bytes; outbound replies are capped`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(call.body);
  });
}

async function resolve(host: string, call: OutboundRequest, signal: AbortSignal): Promise<IpAddress[]> {
  const literal = parseAddress(host);
  if (literal) return [literal];
  try {
    const found = await Promise.race([
      lookup(host, { all: true, verbatim: true }),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`timed out after ${call.timeoutMs}ms resolving ${host}`)), { once: true })),
    ]);
    return found.map((entry) => parseAddress(entry.address)).filter((address): address is IpAddress => address !== undefined);
  } catch (error) {
    throw new Error(`cannot resolve ${host}: ${messageOf(error)}`, { cause: error });
  }
}

/** A call the environment's allow list does not permit: never sent (not a failure of the call itself). */
export class OutboundRefused extends CutoverError {
  constructor(call: Pick<OutboundRequest, 'method' | 'url'>, reason: string) {
    super(ErrorCode.Forbidden, `${call.method} ${call.url} refused: ${reason}`, { context: { url: call.url } });
  }
}

function refused(call: OutboundRequest, reason: string): OutboundRefused {
  return new OutboundRefused(call, reason);
}
