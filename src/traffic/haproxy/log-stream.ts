import { createServer, type Server, type Socket } from 'node:net';
import { routeKey, TrafficStats } from '../../router/index.ts';
import type { Logger } from '../../monitoring/logger.ts';
import type { RevisionStats, RouterBackend } from '../../router/wire.ts';
import { LOG_SHARE_ALL } from './config-file.ts';
import { UnsampledCounts } from './unsampled-counts.ts';

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
 *     cutover <key> <service> <server port> <status> <active ms> <termination state> <backend> <method> <path> <share>
 *
 * turned into the same per-revision counters and per-request samples the
 * built-in router keeps (so the comparative judge reads HAProxy's traffic as
 * soon as it is answered). Above a rate (lower while nobody reads the
 * samples: haproxy-router.ts) HAProxy logs only a share of its
 * answers below 500 (config-file.ts, log-share.ts): such a line stands for
 * LOG_SHARE_ALL/share answers in the counters; 5xx lines are all logged, so
 * they count once, and become samples with the same probability as the
 * others were logged, so the samples stay a uniform draw. HAProxy writes each line into an in-memory ring
 * and one forwarder per worker sends what the ring holds over its TCP
 * connection: under load, many lines per write and per read, not a datagram
 * (two syscalls and an event) per request, which cost HAProxy a fifth of its
 * throughput on `npm run bench:router`. Any local process can connect, so
 * a line counts only when it carries this data dir's key (the configs that
 * hold it are mode 0600), and only for services this control plane serves.
 */
export class LogStream {
  private readonly byService = new Map<string, TrafficStats>();
  /** What the lines logged stand for beyond themselves, and 5xx lines kept out of the samples (see record). */
  private readonly unsampled = new Map<string, UnsampledCounts>();
  /** Per service: requests (weighted) since takeRate, and the share the latest line was logged with. */
  private readonly rates = new Map<string, { requests: number; since: number; share: number }>();
  private readonly rateTaken = new Map<string, number>();
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

  /** The service's counters: every request, the ones HAProxy did not log included. */
  snapshot(service: string): Record<string, RevisionStats> {
    const counted = this.statsOf(service).snapshot();
    this.unsampled.get(service)?.addTo(counted);
    return counted;
  }

  /**
   * The service's request rate since the last call (every request, from the
   * lines' weights) and the share HAProxy logged the latest line with;
   * undefined when no line came in meanwhile.
   */
  takeRate(service: string, now = performance.now()): { requestsPerSecond: number; share: number } | undefined {
    const rate = this.rates.get(service);
    if (!rate) return undefined;
    this.rates.delete(service);
    // Since the last call, not since the first line: at a low share, lines are rare and one stands for many requests.
    const since = this.rateTaken.get(service) ?? rate.since;
    this.rateTaken.set(service, now);
    return { requestsPerSecond: (rate.requests * 1000) / Math.max(1, now - since), share: rate.share };
  }

  /** The services that sent lines since their last takeRate. */
  servicesWithLines(): string[] {
    return [...this.rates.keys()];
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
    this.unsampled.delete(service);
    this.rates.delete(service);
    this.rateTaken.delete(service);
    this.revisionOfPort.delete(service);
  }

  close(): void {
    this.server?.close();
    this.server = undefined;
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }

  /**
   * One line per request logged; anything malformed is ignored. `draw`
   * decides whether a 5xx line logged while HAProxy sampled becomes a
   * sample (a test passes its own).
   */
  record(line: string, draw: () => number = Math.random): void {
    const fields = line.trim().split(' ');
    if ((fields.length !== 10 && fields.length !== 11) || fields[0] !== 'cutover' || fields[1] !== this.key) return;
    const [, , service, portText, statusText, activeText, state, backend, method, path, shareText] = fields as [string, string, string, string, string, string, string, string, string, string, string | undefined];
    const stats = this.byService.get(service);
    // No server (`-`): refused by HAProxy itself (bad pin header, nothing in preview), before any revision was chosen.
    const revision = this.revisionOfPort.get(service)?.get(Number(portText));
    if (!stats || revision === undefined) return;
    const status = Number(statusText);
    const activeMs = Number(activeText);
    // `-` or absent: a config from before sampling: every answer is logged.
    const parsedShare = Number(shareText);
    const share = Number.isInteger(parsedShare) && parsedShare >= 1 && parsedShare < LOG_SHARE_ALL ? parsedShare : LOG_SHARE_ALL;
    // A 5xx, and a request that got no answer (status -1: the http-response rules that sample never ran), is always logged.
    const everyOne = status >= 500 || !(status >= 100) || share === LOG_SHARE_ALL;
    // How many requests this line stands for, and whether it becomes a sample: the samples are each
    // answer with probability share/LOG_SHARE_ALL, whatever its status.
    const weight = everyOne ? 1 : LOG_SHARE_ALL / share;
    const sampled = !everyOne || share === LOG_SHARE_ALL || draw() * LOG_SHARE_ALL < share;
    this.countRate(service, weight, share);
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
    // What the counters still miss: the answers this line stands for beyond itself, and itself when it is no sample.
    const more = weight - (sampled ? 1 : 0);
    const unsampled = more > 0 ? this.unsampledOf(service) : undefined;
    if (first === 'C') {
      stats.abandoned(revision);
      unsampled?.abandoned(revision, weight - 1);
    } else if (first !== '-' && 'RQCH'.includes(second)) {
      stats.routerError(revision);
      unsampled?.routerError(revision, weight - 1);
    } else if ((first === 'S' || first === 's') && second === 'D') {
      if (sampled) stats.brokeOff(revision, tags);
      unsampled?.brokeOff(revision, more);
    } else if (Number.isInteger(status) && status > 0) {
      const ms = Number.isFinite(activeMs) && activeMs >= 0 ? activeMs : 0;
      if (sampled) stats.answered(revision, status, ms, tags);
      unsampled?.answered(revision, status, ms, more);
    }
  }

  private countRate(service: string, weight: number, share: number): void {
    const rate = this.rates.get(service);
    if (rate) {
      rate.requests += weight;
      rate.share = share;
    } else this.rates.set(service, { requests: weight, since: performance.now(), share });
  }

  private unsampledOf(service: string): UnsampledCounts {
    let counts = this.unsampled.get(service);
    if (!counts) {
      counts = new UnsampledCounts();
      this.unsampled.set(service, counts);
    }
    return counts;
  }
}
