import type { InstanceLaunch, Platform, ProbeResult } from './platform.ts';
import type { SimulatedPlatform } from './simulated/simulated-platform.ts';
import type { DockerPlatform } from './docker/docker-platform.ts';
import type { SwarmPlatform } from './swarm/swarm-platform.ts';

/** The platform types an environment's config can name; absent: local. */
export type EnvironmentPlatform = 'local' | 'simulated' | 'docker' | 'swarm';

/**
 * Each environment's instances on the platform its server config chose
 * (`platform: simulated` or `docker`, else local). The engine sees one
 * Platform: a start goes by the launch's environment, every other call by
 * who started the instance (the simulated platform knows its records, the
 * docker one its containers, the swarm one its services; anything else is a process of the local one).
 */
export class PerEnvironmentPlatform implements Platform {
  readonly type = 'per-environment';

  constructor(
    private readonly local: Platform,
    private readonly simulated: SimulatedPlatform,
    private readonly platformOf: (environment: string) => EnvironmentPlatform,
    /** Only when some environment runs containers: the engine is not asked otherwise. */
    private readonly docker?: DockerPlatform,
    /** Only when some environment runs on a swarm. */
    private readonly swarm?: SwarmPlatform,
  ) {}

  private of(id: string): Platform {
    if (this.simulated.has(id)) return this.simulated;
    if (this.docker?.has(id)) return this.docker;
    if (this.swarm?.has(id)) return this.swarm;
    return this.local;
  }

  async prepare(): Promise<void> {
    await this.docker?.prepare();
    await this.swarm?.prepare();
  }

  start(launch: InstanceLaunch): Promise<{ pid: number }> {
    const type = this.platformOf(launch.environment);
    if (type === 'simulated') return this.simulated.start(launch);
    if (type === 'docker') {
      if (!this.docker) throw new Error(`environment ${launch.environment} runs on docker, but this server has no docker platform`);
      return this.docker.start(launch);
    }
    if (type === 'swarm') {
      if (!this.swarm) throw new Error(`environment ${launch.environment} runs on swarm, but this server has no swarm platform`);
      return this.swarm.start(launch);
    }
    return this.local.start(launch);
  }

  isRunning(id: string, pid: number | null): boolean {
    return this.of(id).isRunning(id, pid);
  }

  find(id: string): number | null {
    return this.of(id).find(id);
  }

  stop(id: string, pid: number | null, graceMs: number): Promise<void> {
    return this.of(id).stop(id, pid, graceMs);
  }

  orphans(known: ReadonlySet<string>): { id: string; pid: number }[] {
    return [...this.local.orphans(known), ...this.simulated.orphans(), ...(this.docker?.orphans(known) ?? []), ...(this.swarm?.orphans(known) ?? [])];
  }

  fromPreviousRelease(id: string, pid: number): boolean {
    return this.of(id).fromPreviousRelease(id, pid);
  }

  probe(instance: { id: string; port: number }, path: string, timeoutMs: number): Promise<ProbeResult> {
    return this.of(instance.id).probe(instance, path, timeoutMs);
  }

  exitOf(id: string): { code: number | null; signal: string | null } | undefined {
    return this.of(id).exitOf(id);
  }

  addressOf(id: string): string | undefined {
    return this.of(id).addressOf?.(id);
  }

  placeOf(id: string): string | undefined {
    return this.of(id).placeOf?.(id);
  }
}
