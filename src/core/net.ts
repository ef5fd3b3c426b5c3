import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** How long a port handed out stays reserved: its new owner (an instance starting) binds it within that time. */
const RESERVED_MS = 60_000;
const handedOut = new Map<number, number>();

/** The lowest port handed out: above the well-known and registered ports of common local services. */
const LOWEST = 20_000;

/**
 * The ports handed out: from LOWEST up to just below the kernel's ephemeral
 * range. Every outgoing connection (a load generator's, the router's to an
 * instance) takes its local port at random from the ephemeral range, so a
 * port found free there can be taken as a connection's local port between
 * the check and the instance's own bind, and the instance then exits with
 * EADDRINUSE before it is healthy: a first deployment failed so in CI under
 * load. Below the range only listeners compete, and the check sees them.
 */
export function portRange(ephemeral = ephemeralRange()): { low: number; high: number } | null {
  const high = ephemeral.low - 1;
  return high - LOWEST >= 1_000 ? { low: LOWEST, high } : null;
}

/** The kernel's ephemeral port range (Linux), or its default where it cannot be read. */
function ephemeralRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low!, high: high! };
  } catch {
    // Not Linux: IANA's dynamic range, the default elsewhere.
  }
  return { low: 49_152, high: 65_535 };
}

const range = portRange();

/**
 * A TCP port that can be bound on every address now, drawn at random below
 * the ephemeral range (portRange), and that this process has not handed out
 * in the last minute: two instances started together must not get the same
 * port. Where the range below is too narrow, the OS picks one.
 */
export async function freePort(): Promise<number> {
  const now = Date.now();
  for (const [port, at] of handedOut) if (now - at > RESERVED_MS) handedOut.delete(port);
  for (let attempt = 0; ; attempt++) {
    const port = range && attempt < 200 ? range.low + Math.floor(Math.random() * (range.high - range.low + 1)) : await portFromOs();
    if (handedOut.has(port) && attempt < 220) continue;
    if (range && attempt < 200 && !(await canBind(port, '0.0.0.0'))) continue;
    handedOut.set(port, now);
    return port;
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

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Whether a port on 127.0.0.1 can be bound now. */
export function isPortFree(port: number): Promise<boolean> {
  return canBind(port, '127.0.0.1');
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
