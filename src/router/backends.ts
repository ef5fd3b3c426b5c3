import { ConnectionPool } from './http1-client.ts';
import { LOOPBACK } from './listen.ts';
import type { RouterBackend, RouterStats } from './wire.ts';
import type { RouterLogger } from './log.ts';
import type { Tunnel } from './tunnel.ts';

/** One instance as the router tracks it across config pushes. */
export interface LiveBackend {
  readonly id: string;
  readonly revision: number;
  readonly port: number;
  /** Its node's address (127.0.0.1 for an instance on this host). */
  readonly host: string;
  /** Its own keep-alive pool, so removing the instance closes exactly its sockets. */
  readonly connections: ConnectionPool;
  inRotation: boolean;
  healthy: boolean;
  /** Consecutive failed health checks. */
  failures: number;
  inFlight: number;
  requests: number;
  /** Gone from the config: kept only until its in-flight requests end. */
  retired: boolean;
  /**
   * When it was sent its first request since it last came into rotation
   * (performance.now()): its age tells the canary judge whether it may still
   * be warming up. Not when it came into rotation: a canary waits in rotation
   * at weight 0, cold, until its weight is set.
   */
  servingSince: number | undefined;
  /** Upgraded connections (WebSockets) open on it; each also counts in `inFlight`. */
  tunnels: Set<Tunnel> | undefined;
  /** Set while it is out of rotation: when its tunnels are closed, so the drain ends within drainTimeout. */
  tunnelDeadline: NodeJS.Timeout | undefined;
}

/** Used when the config does not say (the spec's default). */
const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/**
 * When, after an instance leaves rotation, its WebSockets are closed: a
 * second before drainTimeout ends (half of it when shorter than 2 s), so the
 * close handshake is over before the control plane stops the instance.
 */
export function tunnelCloseDelayMs(drainTimeoutMs: number): number {
  return drainTimeoutMs >= 2_000 ? drainTimeoutMs - 1_000 : drainTimeoutMs / 2;
}

/** How long the instance has been serving, in ms (0 before its first request). */
export function instanceAgeMs(backend: LiveBackend, now = performance.now()): number {
  return backend.servingSince === undefined ? 0 : now - backend.servingSince;
}

/**
 * Idle upstream sockets are closed after 4s: below the 5s keep-alive timeout
 * of a default Node server, so the router rarely reuses a socket the instance
 * is closing at that very moment (retries cover the rest).
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

/** The instances of every revision, their health and their load. */
export class BackendPool {
  private live = new Map<string, LiveBackend>();
  /** Removed from the config but still answering requests. */
  private readonly retiring = new Set<LiveBackend>();
  /** Where the round-robin among equally busy instances stands, per group of candidates. */
  private readonly turns = new Map<string, number>();

  constructor(private readonly log: RouterLogger) {}

  /** Brings the pool to the pushed backends; the ones gone retire once idle. */
  update(backends: readonly RouterBackend[], drainTimeoutMs = DEFAULT_DRAIN_TIMEOUT_MS): void {
    const next = new Map<string, LiveBackend>();
    for (const wanted of backends) {
      const known = this.find(wanted);
      if (known) {
        this.retiring.delete(known);
        known.retired = false;
        // Entering rotation means the control plane has just seen it pass its health
        // check; an earlier failure (while it was starting) must not keep it out.
        if (wanted.inRotation && !known.inRotation) {
          known.healthy = true;
          known.failures = 0;
        }
        if (!wanted.inRotation) known.servingSince = undefined;
        known.inRotation = wanted.inRotation;
        next.set(wanted.id, known);
      } else {
        // First time seen: assumed healthy, since the control plane verified it.
        next.set(wanted.id, newBackend(wanted));
      }
    }
    for (const [id, old] of this.live) if (next.get(id) !== old) this.retire(old);
    this.live = next;
    for (const backend of [...next.values(), ...this.retiring]) {
      if (backend.inRotation) this.keepTunnels(backend);
      else this.closeTunnelsLater(backend, drainTimeoutMs);
    }
  }

  /** A tunnel was opened on the instance (begin() already counted it in flight). */
  openTunnel(backend: LiveBackend, tunnel: Tunnel): void {
    (backend.tunnels ??= new Set()).add(tunnel);
  }

  /** The tunnel closed: it no longer holds the instance. */
  closeTunnel(backend: LiveBackend, tunnel: Tunnel): void {
    if (backend.tunnels?.delete(tunnel)) this.end(backend);
  }

  private closeTunnelsLater(backend: LiveBackend, drainTimeoutMs: number): void {
    if (backend.tunnelDeadline) return;
    backend.tunnelDeadline = setTimeout(() => {
      for (const tunnel of backend.tunnels ?? []) tunnel.goAway('instance drained');
    }, tunnelCloseDelayMs(drainTimeoutMs));
    backend.tunnelDeadline.unref();
  }

  private keepTunnels(backend: LiveBackend): void {
    clearTimeout(backend.tunnelDeadline);
    backend.tunnelDeadline = undefined;
  }

  /** In rotation and healthy: the instances a request may go to. */
  available(): LiveBackend[] {
    return [...this.live.values()].filter((backend) => backend.inRotation && backend.healthy);
  }

  /** The ones the health checker watches: out-of-rotation instances take no traffic. */
  inRotation(): LiveBackend[] {
    return [...this.live.values()].filter((backend) => backend.inRotation);
  }

  hasRevision(revision: number): boolean {
    for (const backend of this.live.values()) if (backend.revision === revision) return true;
    return false;
  }

  /** The least busy candidate; ties go round-robin so equal instances share the load. */
  leastBusy(candidates: readonly LiveBackend[], group: string): LiveBackend | undefined {
    if (candidates.length === 0) return undefined;
    const start = this.turns.get(group) ?? 0;
    this.turns.set(group, (start + 1) % 1_000_000);
    let best: LiveBackend | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[(start + i) % candidates.length];
      if (candidate && (!best || candidate.inFlight < best.inFlight)) best = candidate;
    }
    return best;
  }

  /** A request is being sent to the instance. */
  begin(backend: LiveBackend): void {
    backend.servingSince ??= performance.now();
    backend.inFlight += 1;
    backend.requests += 1;
  }

  /** The instance is done with a request: its response ended or failed. */
  end(backend: LiveBackend): void {
    backend.inFlight -= 1;
    if (backend.retired && backend.inFlight === 0) {
      backend.connections.destroy();
      this.retiring.delete(backend);
    }
  }

  /** Passive health: a refused connection takes the instance out until a health check passes. */
  markDown(backend: LiveBackend, reason: string, threshold: number): void {
    backend.failures = Math.max(backend.failures, threshold);
    if (!backend.healthy || backend.retired) return;
    backend.healthy = false;
    this.log.warn({ event: 'backend-down', backend: backend.id, revision: backend.revision, reason }, 'backend marked down');
  }

  /** Active health: one success marks up, `threshold` failures in a row mark down. */
  recordCheck(backend: LiveBackend, ok: boolean, threshold: number, reason: string): void {
    if (backend.retired) return;
    if (ok) {
      backend.failures = 0;
      if (backend.healthy) return;
      backend.healthy = true;
      this.log.info({ event: 'backend-up', backend: backend.id, revision: backend.revision }, 'backend marked up');
      return;
    }
    backend.failures += 1;
    if (backend.failures >= threshold) this.markDown(backend, reason, threshold);
  }

  snapshot(): RouterStats['backends'] {
    const backends: RouterStats['backends'] = {};
    for (const backend of [...this.live.values(), ...this.retiring]) {
      const seen = backends[backend.id];
      // A retiring instance still counts until its last request ends, so a drain waits for it.
      backends[backend.id] = {
        inFlight: backend.inFlight + (seen?.inFlight ?? 0),
        healthy: seen?.healthy ?? backend.healthy,
        requests: backend.requests + (seen?.requests ?? 0),
      };
    }
    return backends;
  }

  /** Asks every tunnel to close (1001 for WebSockets); resolves once they have. */
  async closeTunnels(reason: string): Promise<void> {
    const open: Promise<void>[] = [];
    for (const backend of [...this.live.values(), ...this.retiring]) {
      for (const tunnel of backend.tunnels ?? []) {
        tunnel.goAway(reason);
        open.push(tunnel.closed);
      }
    }
    await Promise.all(open);
  }

  /** Closes every upstream socket (the router is stopping). */
  close(): void {
    for (const backend of [...this.live.values(), ...this.retiring]) {
      this.keepTunnels(backend);
      backend.connections.destroy();
    }
  }

  /** The same instance: same id, revision and port, live or still retiring. */
  private find(wanted: RouterBackend): LiveBackend | undefined {
    const same = (backend: LiveBackend): boolean =>
      backend.id === wanted.id && backend.revision === wanted.revision && backend.port === wanted.port && backend.host === (wanted.host ?? LOOPBACK);
    const live = this.live.get(wanted.id);
    if (live && same(live)) return live;
    for (const backend of this.retiring) if (same(backend)) return backend;
    return undefined;
  }

  private retire(backend: LiveBackend): void {
    backend.retired = true;
    backend.inRotation = false;
    if (backend.inFlight === 0) backend.connections.destroy();
    else this.retiring.add(backend);
  }
}

function newBackend(config: RouterBackend): LiveBackend {
  return {
    id: config.id,
    revision: config.revision,
    port: config.port,
    host: config.host ?? LOOPBACK,
    // No cap on its connections: each carries one request of one client connection, so they are never more than the clients'.
    connections: new ConnectionPool(config.port, FREE_SOCKET_TIMEOUT_MS, config.host ?? LOOPBACK),
    inRotation: config.inRotation,
    healthy: true,
    failures: 0,
    inFlight: 0,
    requests: 0,
    retired: false,
    servingSince: undefined,
    tunnels: undefined,
    tunnelDeadline: undefined,
  };
}
