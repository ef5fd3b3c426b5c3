import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/** Headers about one connection (RFC 9110 §7.6.1), never forwarded to the next hop. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The headers to forward: hop-by-hop ones and those the Connection header names are dropped. */
function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    result[name] = value;
  }
  return result;
}

/**
 * What the instance receives. `bodyLength` is set when the body was buffered:
 * it is then sent with a Content-Length instead of the client's framing.
 */
export function upstreamHeaders(req: IncomingMessage, bodyLength: number | undefined): OutgoingHttpHeaders {
  const headers = endToEnd(req.headers);
  // The router already answered "100 Continue" to the client (Node does), and
  // it sends the body it holds; the instance must not wait for a second round.
  delete headers.expect;
  const client = req.socket.remoteAddress ?? 'unknown';
  const forwardedFor = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${client}` : client;
  headers['x-forwarded-proto'] ??= 'http';
  const hadBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  if (bodyLength !== undefined && hadBody) headers['content-length'] = String(bodyLength);
  return headers;
}

/** What the client receives from the instance's answer. */
export function downstreamHeaders(response: IncomingMessage): OutgoingHttpHeaders {
  return endToEnd(response.headers);
}
