import { createServer, type AddressInfo, type Server } from 'node:net';
import type { ProxyListener } from './exchange.ts';
import { ClientConnection, HEAD_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, type ConnectionOwner } from './http1-server.ts';
import { listenOn, type UpgradeListener } from './listen.ts';

/** How often connections are checked for timeouts: one timer per listener, none per request. */
const SWEEP_INTERVAL_MS = 1_000;
/** As listen.ts's closeGracefully: idle connections live this long after the listener closed. */
const IDLE_GRACE_MS = 500;

/**
 * A traffic listener of the router's own HTTP/1.1 server
 * (src/router/http1-server.ts), with what listen.ts gives Node's: a
 * connection cap, keep-alive and head timeouts, and a graceful close.
 */
export class Http1Listener implements ConnectionOwner {
  closing = false;
  private readonly server: Server;
  private readonly connections = new Set<ClientConnection>();
  private readonly sweeper: NodeJS.Timeout;
  private onEmpty: (() => void) | undefined;

  private constructor(
    readonly request: ProxyListener,
    readonly upgrade: UpgradeListener | undefined,
    onDrop: () => void,
  ) {
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      if (this.closing) {
        socket.destroy();
        return;
      }
      this.connections.add(new ClientConnection(socket, this));
    });
    this.server.on('drop', onDrop);
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Listens on 127.0.0.1:port (0 picks a free port). */
  static async listen(port: number, request: ProxyListener, upgrade: UpgradeListener | undefined, what: string, onDrop: () => void = () => undefined): Promise<Http1Listener> {
    const listener = new Http1Listener(request, upgrade, onDrop);
    const { server } = listener;
    await listenOn(server, port, what).catch((error: unknown) => {
      clearInterval(listener.sweeper);
      throw error;
    });
    return listener;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  set maxConnections(value: number) {
    this.server.maxConnections = value;
  }

  /** @internal */
  forget(connection: ClientConnection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0) this.onEmpty?.();
  }

  /**
   * Stops accepting at once; answers in progress end with "Connection:
   * close"; idle connections close after IDLE_GRACE_MS (a request may be on
   * its way on them), then every 50 ms; what is left after `timeoutMs` is cut.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const empty = new Promise<void>((resolve) => {
      this.onEmpty = resolve;
      if (this.connections.size === 0) resolve();
    });
    let sweeper: NodeJS.Timeout | undefined;
    const grace = setTimeout(
      () => {
        this.closeIdle();
        sweeper = setInterval(() => this.closeIdle(), 50);
      },
      Math.min(IDLE_GRACE_MS, timeoutMs),
    );
    let deadline: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      deadline = setTimeout(() => resolve('late'), timeoutMs);
    });
    try {
      if ((await Promise.race([Promise.all([closed, empty]), late])) === 'late') {
        for (const connection of this.connections) connection.destroy();
        await closed;
      }
    } finally {
      clearTimeout(grace);
      clearInterval(sweeper);
      clearTimeout(deadline);
      clearInterval(this.sweeper);
    }
  }

  private closeIdle(): void {
    for (const connection of this.connections) if (connection.idle) connection.destroy();
  }

  /** Slow heads (slowloris) and bodies get 408; idle keep-alive connections close. */
  private sweep(): void {
    const now = performance.now();
    for (const connection of this.connections) {
      const since = connection.receivingSince;
      if (since > 0) {
        const headPending = connection.headDone < since;
        if ((headPending && now - since > HEAD_TIMEOUT_MS) || now - since > REQUEST_TIMEOUT_MS) connection.timedOut();
      } else if (connection.idle && now - connection.idleSince > KEEP_ALIVE_TIMEOUT_MS) connection.destroy();
    }
  }
}
