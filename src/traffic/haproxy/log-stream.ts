import { createServer, type Server, type Socket } from 'node:net';
import { routeKey, TrafficStats } from '../../router/index.ts';
import type { Logger } from '../../monitoring/logger.ts';
import type { RouterBackend } from '../../router/wire.ts';

/** Instance ports remembered per service (the latest revision per port wins), so late lines of a retired instance still count. */
const MAX_PORTS = 10_000;
/** HAProxy cuts a line at the ring's maxlen (config-file.ts): a connection holding more than this without a newline is not HAProxy. */
const MAX_LINE = 4096;
/** Each HAProxy worker holds one connection (old workers after a reload one more each); beyond this, a local process is hoarding them. */
const MAX_CONNECTIONS = 10_000;

/**
 * The control plane's end of HAProxy's per-request log: one TCP listener on
 * 127.0.0.1 that every service's HAProxy forwards a line per request to,
 *
 *     cutover <key> <service> <server port> <status> <active ms> <termination state> <backend> <method> <path>
 *
 * turned into the same per-revision counters and per-request samples the
 * built-in router keeps (so the comparative judge reads HAProxy's traffic as
 * soon as it is answered). HAProxy writes each line into an in-memory ring
 * and one forwarder per worker sends what the ring holds over its TCP
 * connection: under load, many lines per write and per read, not a datagram
 * (two syscalls and an event) per request, which cost HAProxy a fifth of its
 * throughput on `npm run bench:router`. Any local process can connect, so
 * a line counts only when it carries this data dir's key (the configs that
 * hold it are mode 0600), and only for services this control plane serves.
 */
export class LogStream {
  private readonly byService = new Map<string, TrafficStats>();
  private readonly revisionOfPort = new Map<string, Map<number, number>>();
  /**
   * When each instance (by port) in rotation answered its first request, for
   * the samples' instance age (NaN: in rotation, not answered yet). As in
   * the built-in router (src/router/backends.ts), not when it came into
   * rotation: a canary waits in rotation at weight 0, cold, until its weight
   * is set.
   */
  private readonly servingSince = new Map<number, number>();
  private server: Server | undefined;
  private readonly connections = new Set<Socket>();

  constructor(
    readonly key: string,
    private readonly log: Logger,
  ) {}

  /** Listens on `port` (0: any free port); resolves with the port bound. */
  async listen(port: number): Promise<number> {
    const server = createServer((socket) => this.read(socket));
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log.warn({ err: error.message }, 'HAProxy log stream listener error'));
    // Reading log lines must not keep a stopping control plane alive.
    server.unref();
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  /** One HAProxy worker's forwarder: newline-ended lines, any number per chunk, the last one possibly split across chunks. */
  private read(socket: Socket): void {
    this.connections.add(socket);
    socket.unref();
    socket.setEncoding('utf8');
    let partial = '';
    socket.on('data', (chunk: string) => {
      let start = 0;
      for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
        this.record(partial ? partial + chunk.slice(start, end) : chunk.slice(start, end));
        partial = '';
        start = end + 1;
      }
      partial += chunk.slice(start);
      if (partial.length > MAX_LINE) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.connections.delete(socket));
  }

  /** The counters of a service, created on first use (a service counts from when this control plane serves it). */
  statsOf(service: string): TrafficStats {
    let stats = this.byService.get(service);
    if (!stats) {
      stats = new TrafficStats();
      this.byService.set(service, stats);
    }
    return stats;
  }

  /** The instances of a service: a line names the instance by its port, which gives its revision. */
  learn(service: string, backends: readonly RouterBackend[]): void {
    let ports = this.revisionOfPort.get(service);
    if (!ports) {
      ports = new Map();
      this.revisionOfPort.set(service, ports);
    }
    for (const backend of backends) {
      ports.delete(backend.port);
      ports.set(backend.port, backend.revision);
      if (backend.inRotation && !this.servingSince.has(backend.port)) this.servingSince.set(backend.port, NaN);
      if (!backend.inRotation) this.servingSince.delete(backend.port);
    }
    for (const port of this.servingSince.keys()) {
      if (this.servingSince.size <= MAX_PORTS) break;
      this.servingSince.delete(port);
    }
    for (const port of ports.keys()) {
      if (ports.size <= MAX_PORTS) break;
      ports.delete(port);
    }
  }

  forget(service: string): void {
    this.byService.delete(service);
    this.revisionOfPort.delete(service);
  }

  close(): void {
    this.server?.close();
    this.server = undefined;
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }

  /** One line per request; anything malformed is ignored. */
  record(line: string): void {
    const fields = line.trim().split(' ');
    if (fields.length !== 10 || fields[0] !== 'cutover' || fields[1] !== this.key) return;
    const [, , service, portText, statusText, activeText, state, backend, method, path] = fields as [string, string, string, string, string, string, string, string, string, string];
    const stats = this.byService.get(service);
    // No server (`-`): refused by HAProxy itself (bad pin header, nothing in preview), before any revision was chosen.
    const revision = this.revisionOfPort.get(service)?.get(Number(portText));
    if (!stats || revision === undefined) return;
    const status = Number(statusText);
    const activeMs = Number(activeText);
    const [first, second] = [state[0] ?? '-', state[1] ?? '-'];
    const port = Number(portText);
    const now = performance.now();
    let since = this.servingSince.get(port);
    if (since !== undefined && Number.isNaN(since)) {
      since = now;
      this.servingSince.set(port, now);
    }
    // Pool backends serve the pin header and the preview port (config-file.ts).
    const tags = { route: routeKey(method, path), pinned: backend.startsWith('pool_'), instanceAgeMs: since === undefined ? 0 : now - since };
    if (first === 'C') stats.abandoned(revision);
    else if (first !== '-' && 'RQCH'.includes(second)) stats.routerError(revision);
    else if ((first === 'S' || first === 's') && second === 'D') stats.brokeOff(revision, tags);
    else if (Number.isInteger(status) && status > 0) stats.answered(revision, status, Number.isFinite(activeMs) && activeMs >= 0 ? activeMs : 0, tags);
  }
}
