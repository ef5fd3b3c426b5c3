import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { Logger } from '../../monitoring/logger.ts';
import { httpProbe } from '../local/http-probe.ts';
import { isProcessAlive } from '../local/proc.ts';
import type { InstanceLaunch, Platform, ProbeResult } from '../platform.ts';
import { BASE_IMAGE, buildBaseImage, hasImage, resolveImageArtifact } from './base-image.ts';
import { EngineError, isGone, type DockerEngine } from './engine-api.ts';
import { APP_DIR, instanceEnv, instanceLabels, LABEL } from './container-spec.ts';
import { copyLogs } from './logs.ts';

export interface DockerPlatformOptions {
  /** This server's opaque mark (platforms/isolation/mark.ts). */
  mark: string;
  /** The uid and gid an environment's instances run as (never 0). */
  account(environment: string): { uid: number; gid: number };
  /** The image an environment's instances run on when the spec names none; absent: the base image. */
  imageFor(environment: string): string | undefined;
  log: Pick<Logger, 'info' | 'warn'>;
}

interface Container {
  /** The engine's container id. */
  container: string;
  instance: string;
  /** The host pid of its main process (0 once it stopped). */
  pid: number;
  running: boolean;
  logPath: string;
  /** Set while stop() stops it: the log copier then leaves removal to stop(). */
  stopping: boolean;
  /** Ends when the container's output is copied to its log file. */
  copied: Promise<void>;
}

/**
 * Instances as containers on one Docker engine. Each container runs the
 * artifact (the unpacked, verified revision folder, mounted read-only at
 * /app) on a base image, as the environment's unprivileged account, with
 * the host's network and the port cutover assigned, the spec's CPU and
 * memory limits, no capabilities, a read-only root, and nothing of the
 * control plane's data dir. Labels carry this server's mark and the
 * instance, so a restarted control plane finds its containers again
 * (prepare) and removes the ones no record owns.
 *
 * The contract's synchronous questions are answered from what this server
 * knows: the containers it started or listed at prepare, each followed by
 * its log stream, which the engine ends when the container stops. Then its
 * exit code is read (so a stopped instance always has one), and the
 * container is removed, so stopped containers do not pile up. The pid is
 * the host pid of the container's main process; the container's id, not
 * the pid, says which instance it is. While the engine does not answer, an
 * instance whose process still runs inside its container's cgroup (/proc)
 * is kept: an engine restarted with live restore finds it running.
 */
export class DockerPlatform implements Platform {
  readonly type = 'docker';
  private readonly containers = new Map<string, Container>();
  private readonly exits = new Map<string, { code: number | null; signal: string | null }>();
  private baseImage: Promise<string> | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly options: DockerPlatformOptions,
  ) {}

  /** Lists this server's containers on the engine (running or not): adoption and the orphan sweep see them. */
  async prepare(): Promise<void> {
    const listed = await this.engine
      .call<{ Id: string; State: string; Labels: Record<string, string> }[]>({
        path: '/containers/json',
        query: { all: 1, filters: JSON.stringify({ label: [`${LABEL.mark}=${this.options.mark}`] }) },
      })
      .catch((error: unknown) => {
        // Without the engine the server cannot tell its containers from lost ones: it does not start rather than guess.
        throw new CutoverError(ErrorCode.InvalidConfig, `an environment runs on docker, but the Docker engine does not answer (${messageOf(error)}); start dockerd, or set DOCKER_HOST=unix:///path/to/docker.sock in the server's environment`, { cause: error });
      });
    for (const entry of listed) {
      const instance = entry.Labels[LABEL.instance];
      if (!instance || this.containers.has(instance)) continue;
      const pid = entry.State === 'running' ? await this.pidOf(entry.Id) : 0;
      this.track(entry.Id, instance, pid, entry.Labels[LABEL.log] ?? '/dev/null');
    }
  }

  async start(launch: InstanceLaunch): Promise<{ pid: number }> {
    const context = { service: launch.service, revision: launch.revision, instance: launch.id };
    const image = launch.imageArtifact
      ? await resolveImageArtifact(this.engine, launch.imageArtifact, context)
      : (launch.image ?? this.options.imageFor(launch.environment) ?? (await this.ensureBaseImage()));
    const { uid, gid } = this.options.account(launch.environment);
    const body = {
      Image: image,
      Cmd: launch.command,
      // An image by digest runs in its own working directory; an artifact in its mount.
      ...(launch.imageArtifact ? {} : { WorkingDir: APP_DIR }),
      User: `${uid}:${gid}`,
      Env: instanceEnv(launch),
      Labels: instanceLabels(this.options.mark, launch),
      HostConfig: {
        NetworkMode: 'host',
        Binds: launch.imageArtifact ? [] : [`${launch.dir}:${APP_DIR}:ro`],
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ...(launch.resources?.cpus !== undefined ? { NanoCpus: Math.round(launch.resources.cpus * 1e9) } : {}),
        ...(launch.resources?.memoryBytes !== undefined ? { Memory: launch.resources.memoryBytes, MemorySwap: launch.resources.memoryBytes } : {}),
        LogConfig: { Type: 'json-file', Config: {} },
      },
    };
    let container: string | undefined;
    try {
      container = (await this.engine.call<{ Id: string }>({ method: 'POST', path: '/containers/create', query: { name: `cutover-${launch.id}` }, body })).Id;
      await this.engine.call({ method: 'POST', path: `/containers/${container}/start` });
      const pid = await this.pidOf(container);
      this.track(container, launch.id, pid, launch.logPath);
      return { pid };
    } catch (error) {
      if (container) await this.remove(container);
      // The engine pulls nothing here (no registry): a missing image is the operator's to load.
      const next = error instanceof EngineError && error.status === 404 && !container
        ? `load it into the engine at ${this.engine.socket} (docker load, or docker import of a root filesystem), or leave run.image and the environment's image unset to run on ${BASE_IMAGE}`
        : `the program must exist in the image (the base image has node only) or in the artifact, mounted at ${APP_DIR}`;
      throw new CutoverError(
        ErrorCode.InstanceStartFailed,
        `could not start instance ${launch.id} as a container of image ${image} with run.command ${JSON.stringify(launch.command)}: ${messageOf(error)}; ${next}`,
        { context, cause: error },
      );
    }
  }

  isRunning(id: string, pid: number | null): boolean {
    const known = this.containers.get(id);
    return !!known && known.running && pid !== null && known.pid === pid;
  }

  find(id: string): number | null {
    const known = this.containers.get(id);
    return known?.running ? known.pid : null;
  }

  /** Stops the container (SIGTERM, SIGKILL after `graceMs`, by the engine), waits for its output, removes it. */
  async stop(id: string, _pid: number | null, graceMs: number): Promise<void> {
    const known = this.containers.get(id);
    if (!known) return;
    known.stopping = true;
    try {
      await this.engine.call({ method: 'POST', path: `/containers/${known.container}/stop`, query: { t: Math.ceil(graceMs / 1000) }, timeoutMs: graceMs + 30_000 });
    } catch (error) {
      if (!isGone(error)) this.options.log.warn({ instance: id, err: messageOf(error) }, 'could not stop the container; removing it by force');
    }
    await Promise.race([known.copied, sleep(5000)]);
    await this.remove(known.container);
    this.containers.delete(id);
  }

  orphans(known: ReadonlySet<string>): { id: string; pid: number }[] {
    return [...this.containers.values()].filter((c) => !known.has(c.instance)).map((c) => ({ id: c.instance, pid: c.pid }));
  }

  fromPreviousRelease(): boolean {
    return false;
  }

  exitOf(id: string): { code: number | null; signal: string | null } | undefined {
    return this.exits.get(id);
  }

  /** With the host's network the instance listens on the host: the same GET as for a process. */
  probe(instance: { id: string; port: number }, path: string, timeoutMs: number): Promise<ProbeResult> {
    return httpProbe(instance.port, path, timeoutMs);
  }

  /** Whether this platform started (or adopted) the instance: a container it knows, or one it saw end. */
  has(id: string): boolean {
    return this.containers.has(id) || this.exits.has(id);
  }

  /** The default base image, built from this host's node the first time it is needed. */
  private ensureBaseImage(): Promise<string> {
    this.baseImage ??= (async () => {
      if (await hasImage(this.engine, BASE_IMAGE)) return BASE_IMAGE;
      this.options.log.info({ image: BASE_IMAGE }, 'building the base image from this host\'s node (docker import, no registry)');
      return await buildBaseImage(this.engine, BASE_IMAGE);
    })();
    this.baseImage.catch(() => (this.baseImage = undefined));
    return this.baseImage;
  }

  private async pidOf(container: string): Promise<number> {
    const inspected = await this.engine.call<{ State: { Pid: number } }>({ path: `/containers/${container}/json` });
    return inspected.State.Pid;
  }

  /** Remembers a container and copies its output until it stops; then reads its exit code and removes it. */
  private track(container: string, instance: string, pid: number, logPath: string): void {
    const entry: Container = { container, instance, pid, running: pid > 0, logPath, stopping: false, copied: Promise.resolve() };
    this.containers.set(instance, entry);
    entry.copied = this.copyUntilStopped(entry);
  }

  private async copyUntilStopped(entry: Container): Promise<void> {
    for (;;) {
      await copyLogs(this.engine, entry.container, entry.logPath).catch((error: unknown) => {
        if (!isGone(error)) this.options.log.warn({ instance: entry.instance, err: messageOf(error) }, 'could not copy the container\'s output to its log file');
      });
      const state = await this.engine
        .call<{ State: { Running: boolean; ExitCode: number; OOMKilled: boolean } }>({ path: `/containers/${entry.container}/json` })
        .then((inspected) => inspected.State)
        .catch(() => null);
      // The stream broke while the container runs, or the engine is down (restarting) while its process
      // still serves: keep the instance, and copy again from the last write once the engine answers.
      if (state?.Running || (state === null && runsIn(entry.pid, entry.container))) {
        await sleep(1000, undefined, { ref: false });
        continue;
      }
      entry.running = false;
      // The kernel's kill at the memory limit is told apart from a crash: the message names the limit.
      if (state) this.exits.set(entry.instance, state.OOMKilled ? { code: null, signal: 'SIGKILL at its memory limit (resources.memory)' } : { code: state.ExitCode, signal: null });
      if (!entry.stopping) {
        await this.remove(entry.container);
        if (this.containers.get(entry.instance) === entry) this.containers.delete(entry.instance);
      }
      return;
    }
  }

  private async remove(container: string): Promise<void> {
    await this.engine.call({ method: 'DELETE', path: `/containers/${container}`, query: { force: 1, v: 1 } }).catch((error: unknown) => {
      if (!isGone(error)) this.options.log.warn({ container, err: messageOf(error) }, 'could not remove the container');
    });
  }
}

/** Whether `pid` is alive and the main process of `container` (its cgroup names the container): a reused pid never passes. */
function runsIn(pid: number, container: string): boolean {
  if (pid <= 0 || !isProcessAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(container);
  } catch {
    return false;
  }
}
