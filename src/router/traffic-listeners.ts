import type { RequestListener, Server } from 'node:http';
import type { Lane } from './routing-table.ts';
import { closeGracefully, listen, portOf } from './listen.ts';
import type { UpgradeListener } from './listen.ts';

interface Bound {
  /** The port the config asked for (0 when the OS chose). */
  wanted: number;
  server: Server;
}

/**
 * The traffic port and the preview port. A port change binds the new port
 * before the old one closes (gracefully), so no request finds nothing listening.
 */
export class TrafficListeners {
  private readonly bound = new Map<Lane, Bound>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly handlerFor: (lane: Lane) => { request: RequestListener; upgrade: UpgradeListener },
    private readonly closeTimeoutMs: number,
  ) {}

  /** Listens where the config says; throws (keeping the old listener) when a port is taken. */
  async reconcile(ports: Record<Lane, number | undefined>): Promise<void> {
    for (const lane of ['main', 'preview'] as const) {
      const wanted = ports[lane];
      const current = this.bound.get(lane);
      if (current?.wanted === wanted) continue;
      if (wanted !== undefined) {
        const handlers = this.handlerFor(lane);
        const server = await listen(wanted, handlers.request, lane === 'main' ? 'traffic' : 'preview', handlers.upgrade);
        this.bound.set(lane, { wanted, server });
      } else {
        this.bound.delete(lane);
      }
      if (current) this.retire(current.server);
    }
  }

  /** The ports actually listened on. */
  ports(): Partial<Record<Lane, number>> {
    const ports: Partial<Record<Lane, number>> = {};
    for (const [lane, { server }] of this.bound) ports[lane] = portOf(server);
    return ports;
  }

  /** Stops all listeners, letting requests in flight finish. */
  async close(): Promise<void> {
    for (const { server } of this.bound.values()) this.retire(server);
    this.bound.clear();
    await Promise.all(this.closing);
  }

  private retire(server: Server): void {
    const closing = closeGracefully(server, this.closeTimeoutMs).finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}
