import type { InstanceLaunch, Platform, ProbeResult } from './platform.ts';
import type { SimulatedPlatform } from './simulated/simulated-platform.ts';

/**
 * Each environment's instances on the platform its server config chose
 * (`platform: simulated`, else local). The engine sees one Platform: a start
 * goes by the launch's environment, every other call by who started the
 * instance (the simulated platform knows its records; anything else is a
 * process of the local one).
 */
export class PerEnvironmentPlatform implements Platform {
  readonly type = 'per-environment';

  constructor(
    private readonly local: Platform,
    private readonly simulated: SimulatedPlatform,
    private readonly isSimulated: (environment: string) => boolean,
  ) {}

  private of(id: string): Platform {
    return this.simulated.has(id) ? this.simulated : this.local;
  }

  start(launch: InstanceLaunch): Promise<{ pid: number }> {
    return (this.isSimulated(launch.environment) ? this.simulated : this.local).start(launch);
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
    return [...this.local.orphans(known), ...this.simulated.orphans()];
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
}
