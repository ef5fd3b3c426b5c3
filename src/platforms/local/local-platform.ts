import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { MARK_VARIABLE, type Sandbox } from '../isolation/index.ts';
import type { InstanceLaunch, Platform, ProbeResult } from '../platform.ts';
import { httpProbe } from './http-probe.ts';
import type { PreviousReleaseMarks } from './previous-release.ts';
import { findProcesses, isProcessAlive, outermost, processIs } from './proc.ts';

/**
 * Instances as OS processes on this machine, run by the sandbox (another
 * user, or bubblewrap). Each runs detached in its own process group with
 * output appended to its log file, so it outlives the control plane; this
 * server's opaque mark and `CUTOVER_INSTANCE` in its environment let a
 * restarted control plane find it again. Nothing in its environment names
 * the data dir. Instances the previous release started (marked with the data
 * dir's path) are recognised too, until a deployment replaces them
 * (previous-release.ts).
 */
export class LocalPlatform implements Platform {
  readonly type = 'local';
  private readonly exits = new Map<string, { code: number | null; signal: string | null }>();
  /** Instances this server started whose exit it has not seen: their pid is theirs until Node reaps it. */
  private readonly children = new Map<string, { pid: number; exited: Promise<void> }>();

  constructor(
    /** This server's opaque mark (platforms/isolation/mark.ts). */
    private readonly mark: string,
    private readonly sandbox: Sandbox,
    /** Recognises the previous release's instances of this data dir; none when absent. */
    private readonly previousRelease?: PreviousReleaseMarks,
  ) {}

  /** Whether a process with environment `env` is an instance this server (or its previous release) started. */
  private owns(env: Map<string, string>, pid: number): boolean {
    return env.get(MARK_VARIABLE) === this.mark || (this.previousRelease?.started(env, pid) ?? false);
  }

  private isInstance(id: string): (env: Map<string, string>, pid: number) => boolean {
    return (env, pid) => env.get('CUTOVER_INSTANCE') === id && this.owns(env, pid);
  }

  private marks(id: string): Record<string, string> {
    return { [MARK_VARIABLE]: this.mark, CUTOVER_INSTANCE: id };
  }

  async start(launch: InstanceLaunch): Promise<{ pid: number }> {
    if (launch.imageArtifact) {
      // Admission refuses it first (engine/admission.ts); this is the platform's own word, should anything get here.
      throw new CutoverError(ErrorCode.InstanceStartFailed, `instance ${launch.id}: artifact.image ${launch.imageArtifact.reference} runs only on a container platform (docker or swarm), not as a process; deploy files (artifact.path) to ${launch.environment}`);
    }
    mkdirSync(dirname(launch.logPath), { recursive: true });
    // A refused environment (no isolation here) throws before anything is opened.
    const plan = this.sandbox.plan({
      environment: launch.environment,
      command: launch.command,
      dir: launch.dir,
      env: {
        ...launch.env,
        PORT: String(launch.port),
        CUTOVER_SERVICE: launch.service,
        CUTOVER_ENVIRONMENT: launch.environment,
        CUTOVER_VERSION: launch.version,
        CUTOVER_REVISION: String(launch.revision),
        ...this.marks(launch.id),
      },
    });
    // The server opens the log: the instance writes to it without being able to open anything in the data dir.
    const log = openSync(launch.logPath, 'a', 0o600);
    try {
      const child = spawn(plan.program, plan.args, {
        cwd: plan.cwd,
        detached: true,
        stdio: ['ignore', log, log],
        env: plan.env,
        ...(plan.uid !== undefined ? { uid: plan.uid } : {}),
        ...(plan.gid !== undefined ? { gid: plan.gid } : {}),
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      const exited = new Promise<void>((resolve) =>
        child.on('exit', (code, signal) => {
          this.children.delete(launch.id);
          this.exits.set(launch.id, { code, signal });
          resolve();
        }),
      );
      this.children.set(launch.id, { pid, exited });
      child.unref();
      return { pid };
    } catch (error) {
      throw new CutoverError(
        ErrorCode.InstanceStartFailed,
        `could not start instance ${launch.id} with run.command ${JSON.stringify(launch.command)}: ${messageOf(error)}; check that the program exists on the server's PATH and the artifact contains the files it needs`,
        { context: { service: launch.service, revision: launch.revision, instance: launch.id }, cause: error },
      );
    } finally {
      closeSync(log);
    }
  }

  /**
   * A child of this server runs until its exit is seen (the pid is not
   * reused before Node reaps it), whatever its environment reads meanwhile:
   * a program that execs (a shell's `exec`, pyenv's shims) shows a
   * half-written one for a moment. Not /proc either: a child that has just
   * exited is a zombie there before Node reaps it and records how it ended,
   * and whoever is told it stopped reads exitOf at once. Others (adopted
   * after a restart) are recognised by their marks.
   */
  isRunning(id: string, pid: number | null): boolean {
    if (pid !== null && this.children.get(id)?.pid === pid) return true;
    return pid !== null && processIs(pid, this.isInstance(id));
  }

  find(id: string): number | null {
    return outermost(findProcesses(this.isInstance(id)))[0]?.pid ?? null;
  }

  async stop(id: string, pid: number | null, graceMs: number): Promise<void> {
    const target = pid !== null && this.isRunning(id, pid) ? pid : this.find(id);
    if (target === null) return;
    signalGroup(target, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isProcessAlive(target) && Date.now() < deadline) await sleep(50);
    if (isProcessAlive(target)) {
      signalGroup(target, 'SIGKILL');
      while (isProcessAlive(target) && Date.now() < deadline + 5000) await sleep(50);
    }
    // A child of this server is dead once Node has reaped it (isRunning): its exit event follows the zombie within a turn or two of the loop.
    const child = this.children.get(id);
    if (child?.pid === target && !isProcessAlive(target)) await Promise.race([child.exited, sleep(1000)]);
  }

  orphans(known: ReadonlySet<string>): { id: string; pid: number }[] {
    return outermost(findProcesses((env, pid) => this.owns(env, pid)))
      .map(({ pid, env }) => ({ pid, id: env.get('CUTOVER_INSTANCE') }))
      .filter((entry): entry is { id: string; pid: number } => entry.id !== undefined && !known.has(entry.id));
  }

  fromPreviousRelease(id: string, pid: number): boolean {
    const previous = this.previousRelease;
    return !!previous && processIs(pid, (env) => env.get('CUTOVER_INSTANCE') === id && previous.started(env, pid));
  }

  probe(instance: { id: string; port: number }, path: string, timeoutMs: number): Promise<ProbeResult> {
    return httpProbe(instance.port, path, timeoutMs);
  }

  exitOf(id: string): { code: number | null; signal: string | null } | undefined {
    return this.exits.get(id);
  }
}

/** Signals the whole process group (the instance and anything it started), falling back to the process alone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
