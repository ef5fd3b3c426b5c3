import { createSocket, type Socket } from 'node:dgram';
import { routeKey, TrafficStats } from '../../router/index.ts';
import type { Logger } from '../../monitoring/logger.ts';
import type { RouterBackend } from '../../router/wire.ts';

/** Instance ports remembered per service (the latest revision per port wins), so late lines of a retired instance still count. */
const MAX_PORTS = 10_000;

/**
 * The control plane's end of HAProxy's per-request log: one UDP socket on
 * 127.0.0.1 that every service's HAProxy sends a raw line per request to,
 *
 *     cutover <key> <service> <server port> <status> <active ms> <termination state> <backend> <method> <path>
 *
 * turned into the same per-revision counters and per-request samples the
 * built-in router keeps (so the comparative judge reads HAProxy's traffic as
 * soon as it is answered). Any local process can send UDP to the port, so
 * a line counts only when it carries this data dir's key (the configs that
 * hold it are mode 0600), and only for services this control plane serves.
 */
export class LogStream {
  private readonly byService = new Map<string, TrafficStats>();
  private readonly revisionOfPort = new Map<string, Map<number, number>>();
  /** When each instance (by port) was first seen in rotation, for the samples' instance age. */
  private readonly inRotationSince = new Map<number, number>();
  private socket: Socket | undefined;

  constructor(
    readonly key: string,
    private readonly log: Logger,
  ) {}

  /** Listens on `port` (0: any free port); resolves with the port bound. */
  async listen(port: number): Promise<number> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('message', (message) => this.record(message.toString('utf8')));
    socket.on('error', (error) => this.log.warn({ err: error.message }, 'HAProxy log stream socket error'));
    // Reading log lines must not keep a stopping control plane alive.
    socket.unref();
    this.socket = socket;
    return socket.address().port;
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
      if (backend.inRotation && !this.inRotationSince.has(backend.port)) this.inRotationSince.set(backend.port, performance.now());
      if (!backend.inRotation) this.inRotationSince.delete(backend.port);
    }
    for (const port of this.inRotationSince.keys()) {
      if (this.inRotationSince.size <= MAX_PORTS) break;
      this.inRotationSince.delete(port);
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
    this.socket?.close();
    this.socket = undefined;
  }

  /** One datagram may hold one line (HAProxy sends one per request); anything malformed is ignored. */
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
    const since = this.inRotationSince.get(Number(portText));
    // Pool backends serve the pin header and the preview port (config-file.ts).
    const tags = { route: routeKey(method, path), pinned: backend.startsWith('pool_'), instanceAgeMs: since === undefined ? 0 : performance.now() - since };
    if (first === 'C') stats.abandoned(revision);
    else if (first !== '-' && 'RQCH'.includes(second)) stats.routerError(revision);
    else if ((first === 'S' || first === 's') && second === 'D') stats.brokeOff(revision, tags);
    else if (Number.isInteger(status) && status > 0) stats.answered(revision, status, Number.isFinite(activeMs) && activeMs >= 0 ? activeMs : 0, tags);
  }
}
