import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { FrameBoundary, GOING_AWAY, clientCloseFrame, serverCloseFrame } from './frame-boundary.ts';

/** How long the router waits for a frame in progress to end, then for the peers to answer its close, before cutting. */
const CLOSE_GRACE_MS = 2_000;

/**
 * An upgraded connection (a WebSocket, or any `Upgrade`) relayed byte for
 * byte between a client and one instance, after the instance answered 101.
 * It counts as a request in flight on its instance for as long as it is open,
 * so draining the instance waits for it; `goAway` ends it cleanly.
 */
export class Tunnel {
  /** Frames from the instance to the client (WebSocket only). */
  private readonly toClient = new FrameBoundary();
  /** Frames from the client to the instance. */
  private readonly toInstance = new FrameBoundary();
  /** `pending`: a close frame goes out at the next frame boundary; `sent`: nothing more is relayed that way. */
  private clientSide: 'open' | 'pending' | 'sent' = 'open';
  private instanceSide: 'open' | 'pending' | 'sent' = 'open';
  private openSockets = 2;
  private cutTimer: NodeJS.Timeout | undefined;
  /** goAway was called: the router closed it, not a peer. */
  wentAway = false;
  /** Sent in the close frames, for the peers' logs. */
  private reason = '';
  /** Settles once both sockets are closed. */
  readonly closed: Promise<void>;
  private markClosed: () => void = () => {};

  constructor(
    private readonly client: Duplex,
    private readonly instance: Duplex,
    private readonly websocket: boolean,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.relay(client, instance, 'toInstance');
    this.relay(instance, client, 'toClient');
  }

  /**
   * Ends the tunnel because its instance is leaving (drained, or the router
   * stops). A WebSocket gets a close frame with 1001 "going away" on both
   * sides, each written between two frames, so both peers see a clean
   * close; any other upgrade is ended. Whatever is still open after a grace
   * period is cut.
   */
  goAway(reason: string): void {
    if (this.wentAway) return;
    this.wentAway = true;
    this.cutTimer = setTimeout(() => this.cut(), CLOSE_GRACE_MS);
    this.cutTimer.unref();
    if (!this.websocket) {
      this.client.end();
      this.instance.end();
      return;
    }
    this.reason = reason;
    this.clientSide = 'pending';
    this.instanceSide = 'pending';
    if (this.toClient.atBoundary) this.sendClose('toClient', reason);
    if (this.toInstance.atBoundary) this.sendClose('toInstance', reason);
  }

  private relay(from: Duplex, to: Duplex, direction: 'toClient' | 'toInstance'): void {
    const boundary = direction === 'toClient' ? this.toClient : this.toInstance;
    from.on('data', (chunk: Buffer) => {
      const side = direction === 'toClient' ? this.clientSide : this.instanceSide;
      if (side === 'sent') {
        // The peer's answer to our close (or late frames): nothing more goes that way; the peer is done.
        if (direction === 'toInstance') this.client.end();
        else this.instance.end();
        return;
      }
      let out = chunk;
      if (side === 'pending') {
        const end = boundary.advance(chunk);
        if (end !== -1) {
          out = chunk.subarray(0, end);
          if (out.length > 0) to.write(out);
          this.sendClose(direction, this.reason);
          return;
        }
      } else if (this.websocket) boundary.consume(chunk);
      if (!to.write(out)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.once('end', () => to.end());
    from.once('error', () => to.destroy());
    from.once('close', () => {
      to.destroy();
      this.openSockets -= 1;
      if (this.openSockets === 0) {
        clearTimeout(this.cutTimer);
        this.markClosed();
      }
    });
  }

  private sendClose(direction: 'toClient' | 'toInstance', reason: string): void {
    if (direction === 'toClient') {
      this.clientSide = 'sent';
      this.client.write(serverCloseFrame(GOING_AWAY, reason));
    } else {
      this.instanceSide = 'sent';
      this.instance.write(clientCloseFrame(GOING_AWAY, reason, randomBytes(4)));
    }
  }

  private cut(): void {
    this.client.destroy();
    this.instance.destroy();
  }
}
