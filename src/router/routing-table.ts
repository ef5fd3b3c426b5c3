import type { IncomingHttpHeaders } from 'node:http';
import { AddressRanges } from '../core/address-range.ts';
import { compileHeaderRoute } from '../core/header-route.ts';
import type { RouterConfig } from './wire.ts';
import type { LiveBackend } from './backends.ts';
import { BackendPool } from './backends.ts';
import type { RouterLogger } from './log.ts';
import { WeightedPicker, sameWeights } from './weighted-picker.ts';

/** Which listener a request came in on. */
export type Lane = 'main' | 'preview';

/**
 * Which revision a request is meant for. `weighted` may fall back to other
 * revisions when its own has no instance; `only` (pin header, preview port)
 * never does.
 */
export type Target = { kind: 'weighted'; revision: number | undefined } | { kind: 'only'; revision: number };

/** Why a request cannot be routed at all; answered by the router itself. */
export interface Refusal {
  kind: 'refused';
  status: 400 | 503;
  code: string;
  message: string;
}

export const PIN_HEADER = 'x-cutover-revision';

/** The current config turned into routing decisions. */
export class RoutingTable {
  readonly pool: BackendPool;
  private current: RouterConfig | undefined;
  private picker = new WeightedPicker({});
  /** Whether a request matches the config's header route, compiled once per push. */
  private headerRouteMatches: ((value: string | string[] | undefined) => boolean) | undefined;
  /** The peers whose forwarding headers are believed, compiled once per push. */
  trustedProxies = new AddressRanges([]);

  constructor(log: RouterLogger) {
    this.pool = new BackendPool(log);
  }

  get config(): RouterConfig | undefined {
    return this.current;
  }

  apply(config: RouterConfig): void {
    // Unchanged weights keep the picker's rhythm, so frequent pushes (drains) do not skew the split.
    if (!this.current || !sameWeights(this.current.weights, config.weights)) this.picker = new WeightedPicker(config.weights);
    if (!this.current || String(this.current.trustedProxies ?? []) !== String(config.trustedProxies ?? [])) {
      this.trustedProxies = new AddressRanges(config.trustedProxies ?? []);
    }
    if (JSON.stringify(this.current?.headerRoute) !== JSON.stringify(config.headerRoute)) {
      this.headerRouteMatches = config.headerRoute ? compileHeaderRoute(config.headerRoute) : undefined;
    }
    this.pool.update(config.backends, config.drainTimeoutMs);
    this.current = config;
  }

  /**
   * Decides the revision: preview port, then pin header, then the header
   * route (while its revision has instances; else the weights decide), then
   * weights. The request's headers are read only for a header route
   * (the router's own server builds them when asked).
   */
  target(lane: Lane, pin: string | undefined, request?: { readonly headers: IncomingHttpHeaders }): { kind: 'routed'; target: Target } | Refusal {
    const config = this.current;
    if (!config) return refused(503, 'NoConfig', 'The router has no configuration yet; the control plane pushes one when it deploys the service.');
    if (lane === 'preview') {
      const revision = config.previewRevision;
      if (revision === undefined) return refused(503, 'NoPreviewRevision', `Service ${config.service} has no revision in preview.`);
      return { kind: 'routed', target: { kind: 'only', revision } };
    }
    if (pin !== undefined) {
      const text = pin.trim();
      if (!/^\d+$/.test(text)) {
        return refused(400, 'InvalidRevisionHeader', `Header ${PIN_HEADER} must be a revision number, got "${pin.slice(0, 100)}".`);
      }
      const revision = Number(text);
      if (!this.pool.hasRevision(revision)) {
        return refused(503, 'UnknownRevision', `Service ${config.service} has no revision ${revision} (header ${PIN_HEADER}).`);
      }
      return { kind: 'routed', target: { kind: 'only', revision } };
    }
    const route = config.headerRoute;
    if (route && this.headerRouteMatches?.(request?.headers[route.header]) && this.pool.hasRevision(route.revision)) {
      return { kind: 'routed', target: { kind: 'only', revision: route.revision } };
    }
    return { kind: 'routed', target: { kind: 'weighted', revision: this.picker.next() } };
  }

  /**
   * An instance for one attempt. Instances already tried are avoided while
   * any other would do; a weighted request falls back to other revisions
   * with weight, then to any instance at all.
   */
  choose(target: Target, tried: ReadonlySet<LiveBackend>): LiveBackend | undefined {
    const weights = this.current?.weights ?? {};
    const available = this.pool.available();
    const tiers: ((backend: LiveBackend) => boolean)[] = [(backend) => backend.revision === target.revision];
    if (target.kind === 'weighted') tiers.push((backend) => (weights[String(backend.revision)] ?? 0) > 0, () => true);
    for (const allowTried of [false, true]) {
      for (const [index, tier] of tiers.entries()) {
        const candidates = available.filter((backend) => tier(backend) && (allowTried || !tried.has(backend)));
        const group = index === 0 ? `revision:${String(target.revision)}` : `tier:${index}`;
        const chosen = this.pool.leastBusy(candidates, group);
        if (chosen) return chosen;
      }
    }
    return undefined;
  }

  /** A revision the config mentions (weights or backends): worth counting in stats. */
  serves(revision: number | undefined): revision is number {
    if (revision === undefined || !this.current) return false;
    return String(revision) in this.current.weights || this.pool.hasRevision(revision);
  }
}

function refused(status: 400 | 503, code: string, message: string): Refusal {
  return { kind: 'refused', status, code, message };
}
