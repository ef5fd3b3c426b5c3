import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { ProxyListener } from './exchange.ts';
import { Http1Listener } from './http1-listener.ts';
import type { Lane } from './routing-table.ts';
import { closeGracefully, listen, portOf } from './listen.ts';
import type { UpgradeListener } from './listen.ts';

/** Which HTTP server parses the clients' requests: Node's http.Server, or the router's own (src/router/http1-server.ts). */
export const ROUTER_SERVERS = ['node', 'own'] as const;
export type RouterServer = (typeof ROUTER_SERVERS)[number];

/**
 * CUTOVER_ROUTER_SERVER, read once per listener set; `own` when unset (less
 * CPU per request), `node` the way back to Node's http.Server.
 */
export function routerServerFromEnv(env: NodeJS.ProcessEnv = process.env): RouterServer {
  const value = env.CUTOVER_ROUTER_SERVER || 'own';
  if (!(ROUTER_SERVERS as readonly string[]).includes(value)) {
    throw new CutoverError(ErrorCode.InvalidConfig, `CUTOVER_ROUTER_SERVER must be one of ${ROUTER_SERVERS.join(', ')}, not "${value.slice(0, 100)}"; unset it for the default.`);
  }
  return value as RouterServer;
}

/** One bound port, whichever server serves it. */
interface Bound {
  /** The port the config asked for (0 when the OS chose). */
  wanted: number;
  port(): number;
  setMaxConnections(value: number): void;
  close(timeoutMs: number): Promise<void>;
}

/**
 * The traffic port and the preview port. A port change binds the new port
 * before the old one closes (gracefully), so no request finds nothing listening.
 */
export class TrafficListeners {
  private readonly bound = new Map<Lane, Bound>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly handlerFor: (lane: Lane) => { request: ProxyListener; upgrade: UpgradeListener },
    private readonly closeTimeoutMs: number,
    /** Called for each connection closed because the port held maxConnections. */
    private readonly onDrop: () => void = () => undefined,
    private readonly server: RouterServer = routerServerFromEnv(),
  ) {}

  /**
   * Listens where the config says, each port accepting at most
   * `maxConnections` connections at once (Node closes any beyond it as it
   * accepts them); throws (keeping the old listener) when a port is taken.
   */
  async reconcile(ports: Record<Lane, number | undefined>, maxConnections: number): Promise<void> {
    for (const lane of ['main', 'preview'] as const) {
      const wanted = ports[lane];
      const current = this.bound.get(lane);
      if (current) current.setMaxConnections(maxConnections);
      if (current?.wanted === wanted) continue;
      if (wanted !== undefined) {
        const bound = await this.bind(wanted, lane);
        bound.setMaxConnections(maxConnections);
        this.bound.set(lane, bound);
      } else {
        this.bound.delete(lane);
      }
      if (current) this.retire(current);
    }
  }

  /** The ports actually listened on. */
  ports(): Partial<Record<Lane, number>> {
    const ports: Partial<Record<Lane, number>> = {};
    for (const [lane, bound] of this.bound) ports[lane] = bound.port();
    return ports;
  }

  /** Stops all listeners, letting requests in flight finish. */
  async close(): Promise<void> {
    for (const bound of this.bound.values()) this.retire(bound);
    this.bound.clear();
    await Promise.all(this.closing);
  }

  private async bind(wanted: number, lane: Lane): Promise<Bound> {
    const handlers = this.handlerFor(lane);
    const what = lane === 'main' ? 'traffic' : 'preview';
    if (this.server === 'own') {
      const listener = await Http1Listener.listen(wanted, handlers.request, handlers.upgrade, what, this.onDrop);
      return {
        wanted,
        port: () => listener.port,
        setMaxConnections: (value) => (listener.maxConnections = value),
        close: (timeoutMs) => listener.close(timeoutMs),
      };
    }
    const server = await listen(wanted, handlers.request, what, handlers.upgrade);
    server.on('drop', this.onDrop);
    return {
      wanted,
      port: () => portOf(server),
      setMaxConnections: (value) => (server.maxConnections = value),
      close: (timeoutMs) => closeGracefully(server, timeoutMs),
    };
  }

  private retire(bound: Bound): void {
    const closing = bound.close(this.closeTimeoutMs).finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}
