import type { ServiceRef } from '../../core/types.ts';
import type { Fence } from '../../engine/fence.ts';
import type { InstanceLaunch, Platform, ProbeResult } from '../../platforms/index.ts';
import type { RequestSamples, RouterStats } from '../../router/wire.ts';
import type { TrafficConfig, TrafficRouter } from '../../traffic/traffic-router.ts';

/**
 * The platform, fenced: what starts or stops a process asks the fence first
 * (and the store, for the lease's token), so a deposed leader that wakes up
 * cannot start a duplicate or stop an instance its successor adopted.
 * Reads (is it running, probes, orphans listed) are not guarded: a follower
 * may look, and looking changes nothing.
 */
export class FencedPlatform implements Platform {
  readonly type: string;

  constructor(
    private readonly inner: Platform,
    private readonly fence: Fence,
  ) {
    this.type = inner.type;
  }

  async prepare(): Promise<void> {
    // Reading what runs can remove what no record owns (docker): a leader's work.
    this.fence.check('prepare the platform');
    await this.inner.prepare?.();
  }

  start(launch: InstanceLaunch): Promise<{ pid: number }> {
    this.fence.confirm(`start instance ${launch.id}`);
    return this.inner.start(launch);
  }

  stop(id: string, pid: number | null, graceMs: number): Promise<void> {
    this.fence.confirm(`stop instance ${id}`);
    return this.inner.stop(id, pid, graceMs);
  }

  isRunning(id: string, pid: number | null): boolean {
    return this.inner.isRunning(id, pid);
  }

  find(id: string): number | null {
    return this.inner.find(id);
  }

  orphans(known: ReadonlySet<string>): { id: string; pid: number }[] {
    return this.inner.orphans(known);
  }

  fromPreviousRelease(id: string, pid: number): boolean {
    return this.inner.fromPreviousRelease(id, pid);
  }

  probe(instance: { id: string; port: number }, path: string, timeoutMs: number): Promise<ProbeResult> {
    return this.inner.probe(instance, path, timeoutMs);
  }

  exitOf(id: string): { code: number | null; signal: string | null } | undefined {
    return this.inner.exitOf(id);
  }

  // Reads pass. Without addressOf a leader on swarm would route every task to 127.0.0.1.
  addressOf(id: string): string | undefined {
    return this.inner.addressOf?.(id);
  }

  placeOf(id: string): string | undefined {
    return this.inner.placeOf?.(id);
  }
}

/**
 * The traffic router, fenced: a config push, a router restart, removal or
 * sweep asks the fence (a push and a removal the store too). A deposed
 * leader's push would put back a split its successor has moved on from;
 * its sweep would stop routers the successor started. Reads pass.
 */
export class FencedTrafficRouter implements TrafficRouter {
  readonly type: string;
  readonly listensOnPort?: (ref: ServiceRef) => boolean;

  constructor(
    private readonly inner: TrafficRouter,
    private readonly fence: Fence,
  ) {
    this.type = inner.type;
    if (inner.listensOnPort) this.listensOnPort = (ref) => inner.listensOnPort!(ref);
  }

  apply(config: TrafficConfig): Promise<void> {
    this.fence.confirm(`push the router config of ${config.service} in ${config.environment}`);
    return this.inner.apply(config);
  }

  serving(ref: ServiceRef): Promise<string | null> {
    return this.inner.serving(ref);
  }

  drain(ref: ServiceRef, instanceId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    return this.inner.drain(ref, instanceId, timeoutMs);
  }

  stats(ref: ServiceRef): Promise<RouterStats> {
    return this.inner.stats(ref);
  }

  samples(ref: ServiceRef, after: number): Promise<RequestSamples> {
    return this.inner.samples(ref, after);
  }

  supervise(refs: ServiceRef[]): Promise<ServiceRef[]> {
    this.fence.check('restart routers');
    return this.inner.supervise(refs);
  }

  remove(ref: ServiceRef): Promise<void> {
    this.fence.confirm(`remove the router of ${ref.service} in ${ref.environment}`);
    return this.inner.remove(ref);
  }

  sweep(owned: () => ServiceRef[]): Promise<number> {
    this.fence.check('sweep routers');
    return this.inner.sweep(owned);
  }
}
