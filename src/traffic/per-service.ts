import type { TrafficRouterType } from '../spec/types.ts';
import type { RequestSamples, RouterStats } from '../router/wire.ts';
import type { TrafficConfig, TrafficRouter } from './traffic-router.ts';

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
    private readonly routers: Record<TrafficRouterType, TrafficRouter>,
    private readonly choose: (service: string) => TrafficRouterType,
  ) {}

  private of(service: string): TrafficRouter {
    return this.routers[this.choose(service)];
  }

  async apply(config: TrafficConfig): Promise<void> {
    const type = this.choose(config.service);
    const key = `${config.service} ${type}`;
    if (!this.settled.has(key)) {
      for (const [other, router] of Object.entries(this.routers)) if (other !== type) await router.remove(config.service);
      this.settled.add(key);
    }
    await this.routers[type].apply(config);
  }

  serving(service: string): Promise<string | null> {
    return this.of(service).serving(service);
  }

  drain(service: string, instanceId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    return this.of(service).drain(service, instanceId, timeoutMs);
  }

  stats(service: string): Promise<RouterStats> {
    return this.of(service).stats(service);
  }

  samples(service: string, after: number): Promise<RequestSamples> {
    return this.of(service).samples(service, after);
  }

  async supervise(services: string[]): Promise<string[]> {
    const restarted: string[] = [];
    for (const [type, router] of Object.entries(this.routers)) {
      restarted.push(...(await router.supervise(services.filter((service) => this.choose(service) === type))));
    }
    return restarted;
  }

  async remove(service: string): Promise<void> {
    for (const router of Object.values(this.routers)) await router.remove(service);
    for (const key of [...this.settled]) if (key.startsWith(`${service} `)) this.settled.delete(key);
  }
}
