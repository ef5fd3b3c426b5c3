import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import { HealthChecker } from './health-check.ts';
import type { RouterLogger } from './log.ts';
import { Mirror } from './mirror.ts';
import { createProxyHandler } from './proxy.ts';
import { RoutingTable } from './routing-table.ts';
import { saveRouterConfig } from './state-file.ts';
import { TrafficStats } from './stats.ts';
import { createUpgradeHandler } from './upgrade.ts';
import { DEFAULT_MAX_CONNECTIONS, type RequestSamples, type RouterConfig, type RouterStats } from './wire.ts';
import { workerShare } from './cluster/takeover.ts';
import { TrafficListeners } from './traffic-listeners.ts';

/** How a push ended: applied, or ignored because the router already has a newer config. */
export type PushResult =
  | { kind: 'applied'; generation: number }
  | { kind: 'stale'; current: number; received: number }
  /** Each router serves one service: a push for another one was sent to the wrong router. */
  | { kind: 'other-service'; service: string };

/** The routing side of the router: config, listeners, health checks and counters. */
export class DataPlane {
  readonly table: RoutingTable;
  readonly traffic = new TrafficStats();
  private readonly health: HealthChecker;
  private readonly listeners: TrafficListeners;
  /** Pushes are handled one at a time, so "check generation, persist, apply" is never interleaved. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  /** Connections closed at the connection cap since the last warning about them, and when that was. */
  private dropped = { count: 0, warnedAt: 0 };

  constructor(
    /** Where pushes are persisted; undefined in a cluster worker, whose supervisor persists them. */
    private readonly stateFile: string | undefined,
    private readonly log: RouterLogger,
    stopTimeoutMs: number,
  ) {
    this.table = new RoutingTable(log);
    this.health = new HealthChecker(this.table.pool, () => this.table.config?.healthCheck);
    const context = {
      table: this.table,
      stats: this.traffic,
      mirror: new Mirror(this.table, this.traffic),
      onUnexpected: (error: unknown) => log.error({ event: 'proxy-failure', error: messageOf(error) }, 'request failed unexpectedly'),
    };
    this.listeners = new TrafficListeners((lane) => ({ request: createProxyHandler(context, lane), upgrade: createUpgradeHandler(context, lane) }), stopTimeoutMs, () => this.onDrop());
  }

  get config(): RouterConfig | undefined {
    return this.table.config;
  }

  /**
   * Accepts a config from the control plane. An older generation is ignored
   * (a delayed push must not undo a newer one); the same generation is applied
   * again, so a push retried after a timeout is harmless. The config is on disk
   * before it takes effect: a router restarted at any instant serves what it
   * last acknowledged, or newer.
   */
  push(config: RouterConfig): Promise<PushResult> {
    const run = this.queue.then(async (): Promise<PushResult> => {
      if (this.stopping) throw new CutoverError(ErrorCode.RouterUnavailable, 'The router is stopping; push the config again once it has restarted.', { retryable: true });
      if (this.table.config && this.table.config.service !== config.service) return { kind: 'other-service', service: this.table.config.service };
      const current = this.table.config?.generation;
      if (current !== undefined && config.generation < current) return { kind: 'stale', current, received: config.generation };
      if (this.stateFile !== undefined) await saveRouterConfig(this.stateFile, config);
      await this.apply(config);
      return { kind: 'applied', generation: config.generation };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Routes by `config` from now on (without persisting it: used for the stored config at start). */
  async apply(config: RouterConfig): Promise<void> {
    this.table.apply(config);
    this.health.start();
    await this.listeners.reconcile({ main: config.port, preview: config.previewPort }, workerShare(config.maxConnections ?? DEFAULT_MAX_CONNECTIONS));
    const ports = this.listeners.ports();
    this.log.info(
      {
        event: 'config-applied',
        service: config.service,
        generation: config.generation,
        weights: config.weights,
        previewRevision: config.previewRevision,
        backends: config.backends.length,
        inRotation: config.backends.filter((backend) => backend.inRotation).length,
        port: ports.main,
        previewPort: ports.preview,
      },
      'config applied',
    );
  }

  /** A connection closed at the cap: said in the log at most every 10 s, with how many since the last time. */
  private onDrop(): void {
    this.dropped.count++;
    if (Date.now() - this.dropped.warnedAt < 10_000) return;
    const config = this.table.config;
    this.log.warn(
      { event: 'connections-refused', service: config?.service, environment: config?.environment, refused: this.dropped.count, maxConnections: workerShare(config?.maxConnections ?? DEFAULT_MAX_CONNECTIONS) },
      'closed new client connections: the service holds its maximum (spec.traffic.maxConnections, shared among the router\'s workers)',
    );
    this.dropped = { count: 0, warnedAt: Date.now() };
  }

  ports(): { traffic?: number; preview?: number } {
    const ports = this.listeners.ports();
    return { traffic: ports.main, preview: ports.preview };
  }

  stats(): RouterStats {
    return {
      service: this.table.config?.service ?? '',
      ...(this.table.config?.environment ? { environment: this.table.config.environment } : {}),
      generation: this.table.config?.generation ?? 0,
      revisions: this.traffic.snapshot(),
      backends: this.table.pool.snapshot(),
    };
  }

  /** Per-request samples after a sequence number, for the canary judge. */
  samples(after: number): RequestSamples {
    return this.traffic.samples.after(after);
  }

  /** Stops accepting traffic, lets requests in flight finish (bounded), closes upstream sockets. */
  async stop(): Promise<void> {
    this.stopping = true;
    // A push being applied finishes first, so no listener opens after the others closed.
    await this.queue;
    this.health.stop();
    // Upgraded connections are no longer the HTTP server's: a listener's close would wait for them forever.
    await Promise.all([this.listeners.close(), this.table.pool.closeTunnels('router stopping')]);
    this.table.pool.close();
  }
}
