import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LiveBackend } from './backends.ts';
import type { UpgradeRequest } from './exchange.ts';
import { requestHead } from './headers.ts';
import type { RawHeaders } from './headers.ts';
import type { ProxyContext } from './proxy.ts';
import { MAX_ATTEMPTS } from './retry.ts';
import type { Lane } from './routing-table.ts';
import { PIN_HEADER } from './routing-table.ts';
import { Tunnel } from './tunnel.ts';

/** How asking one instance to upgrade ended. */
type UpgradeAttempt =
  | { kind: 'upgraded'; response: IncomingMessage; socket: Duplex; head: Buffer }
  /** The instance answered without upgrading (a 400 or 426, say): relayed as it is. */
  | { kind: 'answered'; response: IncomingMessage }
  | { kind: 'failed'; error: NodeJS.ErrnoException };

/**
 * The `upgrade` handler of one traffic listener: WebSockets and any other
 * `Upgrade` request. The revision is chosen like a request's (preview port,
 * pin header, weights), then the connection is relayed as a Tunnel that
 * stays on its instance until it closes or the instance is drained.
 */
export function createUpgradeHandler(context: ProxyContext, lane: Lane): (req: UpgradeRequest, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    // An upgraded socket has no HTTP machinery watching it: its errors are ours to absorb.
    socket.on('error', () => socket.destroy());
    proxyUpgrade(context, lane, req, socket, head).catch((error: unknown) => {
      context.onUnexpected(error);
      answerRaw(socket, 502, 'RouterFailed', 'The router failed to relay this upgrade.');
    });
  };
}

async function proxyUpgrade(context: ProxyContext, lane: Lane, req: UpgradeRequest, socket: Duplex, head: Buffer): Promise<void> {
  const { table, stats } = context;
  const info = requestHead(req, table.trustedProxies, PIN_HEADER, true);
  const route = table.target(lane, info.pin, req);
  if (route.kind === 'refused') {
    answerRaw(socket, route.status, route.code, route.message);
    return;
  }
  const { target } = route;
  const tried = new Set<LiveBackend>();
  let failure: { backend: LiveBackend; error: NodeJS.ErrnoException } | undefined;
  // Nothing reaches an instance before it answers the upgrade, so a failed attempt may be tried elsewhere.
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && !socket.destroyed; attempt++) {
    const backend = table.choose(target, tried);
    if (!backend) break;
    tried.add(backend);
    table.pool.begin(backend);
    const outcome = await askUpgrade(backend, req, info.headers, socket);
    if (outcome.kind === 'failed') {
      table.pool.end(backend);
      failure = { backend, error: outcome.error };
      continue;
    }
    if (outcome.kind === 'answered') {
      relayAnswer(outcome.response, socket, () => table.pool.end(backend));
      return;
    }
    if (socket.destroyed) {
      outcome.socket.destroy();
      table.pool.end(backend);
      return;
    }
    socket.write(statusHead(outcome.response));
    if (outcome.head.length > 0) socket.write(outcome.head);
    if (head.length > 0) outcome.socket.write(head);
    const websocket = /^websocket$/i.test(outcome.response.headers.upgrade ?? '');
    const tunnel = new Tunnel(socket, outcome.socket, websocket);
    table.pool.openTunnel(backend, tunnel);
    stats.tunnelOpened(backend.revision);
    void tunnel.closed.then(() => {
      table.pool.closeTunnel(backend, tunnel);
      if (tunnel.wentAway) stats.tunnelClosedOnDrain(backend.revision);
    });
    return;
  }
  if (socket.destroyed) return;
  if (failure) {
    stats.routerError(failure.backend.revision);
    answerRaw(socket, 502, 'UpstreamFailed', `Revision ${failure.backend.revision} did not answer the upgrade (${failure.error.code ?? failure.error.message}).`);
    return;
  }
  if (table.serves(target.revision)) stats.routerError(target.revision);
  answerRaw(socket, 503, 'NoInstanceAvailable', `No healthy instance of ${table.config?.service ?? 'this service'} can take this connection.`);
}

function askUpgrade(backend: LiveBackend, req: UpgradeRequest, headers: RawHeaders, client: Duplex): Promise<UpgradeAttempt> {
  return new Promise((resolve) => {
    const upstream = request({ host: backend.host, port: backend.port, method: req.method, path: req.url, headers, agent: false });
    const onClientGone = (): void => {
      upstream.destroy();
    };
    client.once('close', onClientGone);
    upstream.once('upgrade', (response, socket, head) => {
      client.off('close', onClientGone);
      socket.setNoDelay(true);
      resolve({ kind: 'upgraded', response, socket, head });
    });
    upstream.once('response', (response) => {
      client.off('close', onClientGone);
      resolve({ kind: 'answered', response });
    });
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      client.off('close', onClientGone);
      resolve({ kind: 'failed', error });
    });
    upstream.end();
  });
}

/** The instance's status line and headers, as raw bytes: after an upgrade there is no ServerResponse to write them with. */
function statusHead(response: IncomingMessage): string {
  let text = `HTTP/1.1 ${response.statusCode ?? 502} ${response.statusMessage ?? ''}\r\n`;
  const raw = response.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) text += `${raw[i]!}: ${raw[i + 1]!}\r\n`;
  return `${text}\r\n`;
}

/** An instance that would not upgrade: its answer goes to the client, then the connection closes. */
function relayAnswer(response: IncomingMessage, socket: Duplex, done: () => void): void {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    done();
  };
  response.once('end', release);
  response.once('close', release);
  const raw = response.rawHeaders;
  let text = `HTTP/1.1 ${response.statusCode ?? 502} ${response.statusMessage ?? ''}\r\n`;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (lower === 'connection' || lower === 'transfer-encoding' || lower === 'keep-alive') continue;
    text += `${raw[i]!}: ${raw[i + 1]!}\r\n`;
  }
  socket.write(`${text}connection: close\r\n\r\n`);
  response.pipe(socket);
}

/** An answer the router gives itself on an upgrade request: JSON, then the connection closes. */
function answerRaw(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 503 ? 'Service Unavailable' : status === 400 ? 'Bad Request' : 'Bad Gateway'}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
}
