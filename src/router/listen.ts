import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { UpgradeRequest } from './exchange.ts';
import type { Duplex } from 'node:stream';
import { Server as NetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CutoverError, ErrorCode } from '../core/errors.ts';

export const LOOPBACK = '127.0.0.1';

/**
 * Longer than the idle timeout of common clients and load balancers (60s),
 * so the router never closes a keep-alive connection a client is about to reuse.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** What a listener does with an `Upgrade` request (a WebSocket): the socket is its own from then on. */
export type UpgradeListener = (req: UpgradeRequest, socket: Duplex, head: Buffer) => void;

/** An HTTP server listening on 127.0.0.1:port (0 picks a free port); without `upgrade`, Upgrade requests are refused. */
export async function listen(port: number, handler: RequestListener, what: string, upgrade?: UpgradeListener): Promise<Server> {
  const server = createServer(handler);
  if (upgrade) server.on('upgrade', upgrade);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Must exceed keepAliveTimeout, or Node may cut a connection that is about to be reused.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  await listenOn(server, port, what);
  return server;
}

/** Listens on 127.0.0.1:port with either server side (Node's, or the router's own: http1-listener.ts); a port in use is named. */
export async function listenOn(server: NetServer, port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    throw new CutoverError(
      error.code === 'EADDRINUSE' ? ErrorCode.PortInUse : ErrorCode.Internal,
      error.code === 'EADDRINUSE'
        ? `Port ${port} (${what}) is already in use; stop what listens there or choose another port.`
        : `Cannot listen on ${LOOPBACK}:${port} (${what}): ${error.message}`,
      { cause: error, context: { port } },
    );
  });
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * How long an idle keep-alive connection stays open after its listener
 * closed. A client may be sending a request on it at that very instant, and
 * closing it then answers that request with a reset; kept a moment, the
 * connection carries whatever comes, answered with "Connection: close".
 */
const IDLE_GRACE_MS = 500;

/**
 * Stops accepting at once, lets requests in flight finish (at most
 * `timeoutMs`), then closes what is left. Answers given meanwhile say
 * "Connection: close", so keep-alive clients move on; connections still idle
 * after IDLE_GRACE_MS are closed (every 50 ms from then on).
 */
export async function closeGracefully(server: Server, timeoutMs: number): Promise<void> {
  server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
  // net.Server's close, not http.Server's, which would also close every idle connection now (see IDLE_GRACE_MS).
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  let sweeper: NodeJS.Timeout | undefined;
  const grace = setTimeout(() => {
    server.closeIdleConnections();
    sweeper = setInterval(() => server.closeIdleConnections(), 50);
  }, Math.min(IDLE_GRACE_MS, timeoutMs));
  let deadline: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    deadline = setTimeout(() => resolve('late'), timeoutMs);
  });
  try {
    if ((await Promise.race([closed, late])) === 'late') {
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearTimeout(grace);
    clearInterval(sweeper);
    clearTimeout(deadline);
  }
}
