import type { ServiceRef } from '../core/types.ts';
import type { RequestSamples, RouterConfig, RouterStats } from '../router/wire.ts';

/** The config the engine gives a traffic router, for one service in one environment; the router adds the generation. */
export type TrafficConfig = Omit<RouterConfig, 'generation' | 'environment'> & ServiceRef;

/**
 * Who gets which request. The engine drives a traffic router; it never
 * talks to the data plane directly.
 */
export interface TrafficRouter {
  /** The id used in config and errors. */
  readonly type: string;
  /** Makes the (service, environment)'s data plane serve with `config`, starting or adopting it as needed. */
  apply(config: TrafficConfig): Promise<void>;
  /**
   * Why the service's data plane is not serving the config last applied, or
   * null when it is: its process runs and answers with that generation.
   */
  serving(ref: ServiceRef): Promise<string | null>;
  /**
   * Whether the service's port is a socket on this host that accepts
   * connections once the router serves (absent: true). A simulation has none,
   * so the engine must not look for one.
   */
  listensOnPort?(ref: ServiceRef): boolean;
  /** Waits until no request is in flight to an instance (it must already be out of rotation), at most `timeoutMs`. */
  drain(ref: ServiceRef, instanceId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }>;
  /** The data plane's counters for a service. */
  stats(ref: ServiceRef): Promise<RouterStats>;
  /** Answers recorded after sequence number `after`, one by one (for the canary judge). */
  samples(ref: ServiceRef, after: number): Promise<RequestSamples>;
  /** Restarts the data plane of each service whose process died; returns the services it restarted. */
  supervise(refs: ServiceRef[]): Promise<ServiceRef[]>;
  /** Stops a service's data plane. */
  remove(ref: ServiceRef): Promise<void>;
  /**
   * Stops this server's data-plane processes (found by its mark, never
   * another server's or a foreign process) that serve none of `owned()`:
   * left by a crash, a delete cut short, or a push that raced a delete.
   * `owned` is asked again, under the service's lock, right before each stop.
   * Returns how many were stopped.
   */
  sweep(owned: () => ServiceRef[]): Promise<number>;
}
