import type { InstanceLaunch, Platform, ProbeResult } from '../platform.ts';
import { outcomesOf, type SimulatedOutcomes } from './outcomes.ts';

/** One simulated instance: a record, no process. */
export interface SimulatedInstance {
  id: string;
  service: string;
  environment: string;
  revision: number;
  /** A pid no real process has (above Linux's pid_max), so nothing can signal a real process by mistake. */
  pid: number;
  startedAt: number;
  outcomes: SimulatedOutcomes;
  /** When it stopped or exited; null while it runs. */
  endedAt: number | null;
  exit: { code: number | null; signal: string | null } | null;
}

/** Above Linux's largest pid_max (2²²), so a simulated pid is never a real process. */
const FIRST_PID = 2 ** 22 + 1;

/**
 * Instances as in-memory records with configurable start time, health and
 * request outcomes (outcomes.ts): no process, no port, nothing on disk. For
 * driving the control plane far past what one machine can run (bench:scale)
 * and for tests of the engine. It fakes success, so an environment must ask
 * for it in the server's config (`platform: simulated`), production never
 * can, and a spec cannot choose it. Nothing survives a restart of the server:
 * its instances are then lost, as a host that died with them.
 */
export class SimulatedPlatform implements Platform {
  readonly type = 'simulated';
  private readonly instances = new Map<string, SimulatedInstance>();
  private nextPid = FIRST_PID;

  constructor(private readonly now: () => number = Date.now) {}

  async start(launch: InstanceLaunch): Promise<{ pid: number }> {
    const outcomes = outcomesOf(launch.env);
    const pid = this.nextPid++;
    this.instances.set(launch.id, { id: launch.id, service: launch.service, environment: launch.environment, revision: launch.revision, pid, startedAt: this.now(), outcomes, endedAt: null, exit: null });
    return Promise.resolve({ pid });
  }

  /** Whether this platform started the instance (the per-environment platform asks it before the local one). */
  has(id: string): boolean {
    return this.instances.has(id);
  }

  /** The record of an instance, with its outcomes; undefined if this platform never started it. */
  instance(id: string): SimulatedInstance | undefined {
    const instance = this.instances.get(id);
    if (instance) this.settle(instance);
    return instance;
  }

  isRunning(id: string, pid: number | null): boolean {
    const instance = this.instance(id);
    return !!instance && instance.endedAt === null && (pid === null || pid === instance.pid);
  }

  find(id: string): number | null {
    const instance = this.instance(id);
    return instance && instance.endedAt === null ? instance.pid : null;
  }

  async stop(id: string): Promise<void> {
    const instance = this.instance(id);
    if (instance && instance.endedAt === null) {
      instance.endedAt = this.now();
      instance.exit = { code: null, signal: 'SIGTERM' };
    }
    // Stopped records are forgotten: a long bench would otherwise keep every instance it ever started.
    this.instances.delete(id);
    return Promise.resolve();
  }

  /** Nothing outlives the server here, so nothing is ever left by a crash. */
  orphans(): { id: string; pid: number }[] {
    return [];
  }

  fromPreviousRelease(): boolean {
    return false;
  }

  probe(instance: { id: string }): Promise<ProbeResult> {
    const record = this.instance(instance.id);
    if (!record || record.endedAt !== null) return Promise.resolve({ ok: false, detail: 'refused the connection' });
    if (this.now() - record.startedAt < record.outcomes.startMs) return Promise.resolve({ ok: false, detail: 'refused the connection (still starting)' });
    return Promise.resolve(record.outcomes.healthy ? { ok: true, detail: 'answered 200' } : { ok: false, detail: 'answered 503' });
  }

  exitOf(id: string): { code: number | null; signal: string | null } | undefined {
    return this.instance(id)?.exit ?? undefined;
  }

  /** An instance configured to exit after a while has exited once that while has passed. */
  private settle(instance: SimulatedInstance): void {
    const { exitAfterMs } = instance.outcomes;
    if (instance.endedAt !== null || exitAfterMs === null || this.now() - instance.startedAt < exitAfterMs) return;
    instance.endedAt = instance.startedAt + exitAfterMs;
    instance.exit = { code: 1, signal: null };
  }
}
