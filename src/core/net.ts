import { connect, createServer } from 'node:net';

/** How long a port handed out stays reserved: its new owner (an instance starting) binds it within that time. */
const RESERVED_MS = 60_000;
const handedOut = new Map<number, number>();

/**
 * A TCP port on 127.0.0.1 that the OS says is free now, and that this
 * process has not handed out in the last minute: the OS can offer a port it
 * just gave (and we closed) again at once, so two instances started together
 * would get the same port.
 */
export async function freePort(): Promise<number> {
  const now = Date.now();
  for (const [port, at] of handedOut) if (now - at > RESERVED_MS) handedOut.delete(port);
  for (let attempt = 0; ; attempt++) {
    const port = await portFromOs();
    if (!handedOut.has(port) || attempt >= 20) {
      handedOut.set(port, now);
      return port;
    }
  }
}

function portFromOs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a port on 127.0.0.1 can be bound now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` within `timeoutMs`. */
export function acceptsConnections(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
