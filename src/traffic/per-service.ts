import { CutoverError, ErrorCode } from '../core/errors.ts';
import { pickRef, serviceKey, type ServiceRef } from '../core/types.ts';
import type { TrafficRouterType } from '../spec/types.ts';
import type { RequestSamples, RouterStats } from '../router/wire.ts';
import type { TrafficConfig, TrafficRouter } from './traffic-router.ts';

/** Who serves a service: a router a spec may choose, or the simulation its environment's server config asked for. */
export type TrafficRouterChoice = TrafficRouterType | 'simulated';

/**
 * Each service served by the traffic router it chose (`traffic: { router }`
 * in its spec, else its environment's, else the built-in one). The engine
 * sees one TrafficRouter; every call goes to the service's implementation.
 * A service that changes router is removed from the other one first (its
 * port must be free), so the switch costs a gap of a second or so: do it
 * outside busy hours.
 */
export class PerServiceTrafficRouter implements TrafficRouter {
  readonly type = 'per-service';
  /** `service type` pairs whose other routers were already told to let go, in this process. */
  private readonly settled = new Set<string>();

  constructor(
    private readonly routers: Record<TrafficRouterType, TrafficRouter> & { simulated?: TrafficRouter },
    private readonly choose: (ref: ServiceRef) => TrafficRouterChoice,
  ) {}

  private of(ref: ServiceRef): TrafficRouter {
    return this.routerOf(this.choose(ref));
  }

  private routerOf(type: TrafficRouterChoice): TrafficRouter {
    const router = this.routers[type];
    if (!router) throw new CutoverError(ErrorCode.Internal, `no ${type} traffic router was configured in this server; this is a bug in the server's wiring`);
    return router;
  }

  async apply(config: TrafficConfig): Promise<void> {
    const type = this.choose(config);
    const key = `${serviceKey(config)} ${type}`;
    // The simulation is chosen by the server's config, which changes only with a restart, and the sweep at
    // start stops the routers a simulated service left: no need to look for them (a scan of every process) per service.
    if (type !== 'simulated' && !this.settled.has(key)) {
      for (const [other, router] of Object.entries(this.routers)) if (other !== type) await router.remove(pickRef(config));
      this.settled.add(key);
    }
    await this.routerOf(type).apply(config);
  }

  serving(ref: ServiceRef): Promise<string | null> {
    return this.of(ref).serving(ref);
  }

  listensOnPort(ref: ServiceRef): boolean {
    return this.of(ref).listensOnPort?.(ref) ?? true;
  }

  drain(ref: ServiceRef, instanceId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    return this.of(ref).drain(ref, instanceId, timeoutMs);
  }

  stats(ref: ServiceRef): Promise<RouterStats> {
    return this.of(ref).stats(ref);
  }

  samples(ref: ServiceRef, after: number): Promise<RequestSamples> {
    return this.of(ref).samples(ref, after);
  }

  async supervise(refs: ServiceRef[]): Promise<ServiceRef[]> {
    const restarted: ServiceRef[] = [];
    for (const [type, router] of Object.entries(this.routers)) {
      restarted.push(...(await router.supervise(refs.filter((ref) => this.choose(ref) === type))));
    }
    return restarted;
  }

  async sweep(owned: () => ServiceRef[]): Promise<number> {
    let stopped = 0;
    // A service that moved to another router is owned by that one only: the old router's process is swept.
    for (const [type, router] of Object.entries(this.routers)) stopped += await router.sweep(() => owned().filter((ref) => this.choose(ref) === type));
    return stopped;
  }

  async remove(ref: ServiceRef): Promise<void> {
    for (const router of Object.values(this.routers)) await router.remove(ref);
    for (const key of [...this.settled]) if (key.startsWith(`${serviceKey(ref)} `)) this.settled.delete(key);
  }
}
