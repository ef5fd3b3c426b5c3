import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { Logger } from '../../monitoring/logger.ts';
import { APP_DIR, instanceEnv, instanceLabels, LABEL } from '../docker/container-spec.ts';
import { BASE_IMAGE } from '../docker/base-image.ts';
import { isGone, type DockerEngine } from '../docker/engine-api.ts';
import { copyLogs } from '../docker/logs.ts';
import { httpProbe } from '../local/http-probe.ts';
import type { InstanceLaunch, Platform, ProbeResult } from '../platform.ts';
import { currentTask, describeNode, ENDED, readSwarm, type SwarmNode, type SwarmTask } from './swarm-state.ts';

/** How long a stop waits for Swarm to delete a scaled-down task before it removes the service anyway (its reaper runs every 250 ms). */
const REAP_WAIT_MS = 10_000;

export interface SwarmPlatformOptions {
  /** This server's opaque mark (platforms/isolation/mark.ts). */
  mark: string;
  /** The uid and gid an environment's instances run as (never 0). */
  account(environment: string): { uid: number; gid: number };
  /** The image an environment's instances run on when the spec names none; absent: the base image, which every node must have. */
  imageFor(environment: string): string | undefined;
  log: Pick<Logger, 'info' | 'warn'>;
  /** How often the manager is asked for nodes and tasks. @default 1000 */
  pollMs?: number;
  /** How long a start waits for its task to run. @default 120_000 */
  startTimeoutMs?: number;
}

interface Instance {
  instance: string;
  /** The swarm service that runs it (one replica). */
  service: string;
  task?: SwarmTask;
  node?: SwarmNode;
  running: boolean;
  pid: number;
  logPath: string;
  stopping: boolean;
  /** Whether its output is being copied to its log file (once per instance). */
  copying: boolean;
  /** Found on the swarm at a refresh (after a restart), not started by this server. */
  adopted: boolean;
}

/**
 * Instances as Swarm services of one task each, on the swarm whose manager
 * is at DOCKER_HOST. The engine's unit is the instance (health, rotation,
 * drain, replacement are per instance), so each instance is one service
 * with one replica: Swarm chooses its node; cutover keeps the rest.
 *
 * Networking is the host's (the service joins the `host` network): the
 * task listens on its node's address at the port cutover assigned, and the
 * router sends it traffic there. Overlay networking and the routing mesh
 * need VXLAN and iptables, which engines started with `--iptables=false`
 * (as here) do not have; a port per task on the node's own address needs
 * neither, and keeps one hop.
 *
 * Its restart policy is `none`: a task that ends or whose node is lost is
 * not replaced by Swarm behind cutover's back, but reported as ended (with
 * the node named), and the engine replaces the instance as it would a
 * process, through health and rotation. The service is then removed, so a
 * node that comes back runs nothing that no record owns.
 *
 * The artifact is mounted read-only from its revision folder: every node
 * must see the control plane's revisions folder at the same path (one host,
 * or a shared filesystem). The image must be on every node.
 */
export class SwarmPlatform implements Platform {
  readonly type = 'swarm';
  private readonly instances = new Map<string, Instance>();
  private readonly exits = new Map<string, { code: number | null; signal: string | null }>();
  private nodes = new Map<string, SwarmNode>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly options: SwarmPlatformOptions,
  ) {}

  /** Finds this server's services on the swarm (adoption and the orphan sweep see them) and starts following their tasks. */
  async prepare(): Promise<void> {
    await this.refresh().catch((error: unknown) => {
      throw new CutoverError(
        ErrorCode.InvalidConfig,
        `an environment runs on swarm, but the swarm manager at ${this.engine.socket} does not answer (${messageOf(error)}); run the server on a manager node, or set DOCKER_HOST=unix:///path/to/docker.sock to a manager's engine`,
        { cause: error },
      );
    });
    this.follow();
  }

  async start(launch: InstanceLaunch): Promise<{ pid: number }> {
    const context = { service: launch.service, revision: launch.revision, instance: launch.id };
    this.follow();
    // An image by digest is named by its image ID, which every node that loaded it has (no node pulls it: there is no registry).
    const image = launch.imageArtifact ? `sha256:${launch.imageArtifact.digest}` : (launch.image ?? this.options.imageFor(launch.environment) ?? BASE_IMAGE);
    const { uid, gid } = this.options.account(launch.environment);
    const labels = instanceLabels(this.options.mark, launch);
    const spec = {
      Name: serviceName(launch.id),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: image,
          Command: launch.command,
          ...(launch.imageArtifact ? {} : { Dir: APP_DIR }),
          User: `${uid}:${gid}`,
          Labels: labels,
          // The router reaches the task at its node's address, not on loopback.
          Env: instanceEnv(launch, { HOST: '0.0.0.0' }),
          Mounts: [
            ...(launch.imageArtifact ? [] : [{ Type: 'bind', Source: launch.dir, Target: APP_DIR, ReadOnly: true }]),
            { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024 } },
          ],
          ReadOnly: true,
          CapabilityDrop: ['ALL'],
        },
        Resources: {
          Limits: {
            ...(launch.resources?.cpus !== undefined ? { NanoCPUs: Math.round(launch.resources.cpus * 1e9) } : {}),
            ...(launch.resources?.memoryBytes !== undefined ? { MemoryBytes: launch.resources.memoryBytes } : {}),
          },
        },
        RestartPolicy: { Condition: 'none' },
        Networks: [{ Target: 'host' }],
      },
      Mode: { Replicated: { Replicas: 1 } },
    };
    let service: string | undefined;
    try {
      service = (await this.engine.call<{ ID: string }>({ method: 'POST', path: '/services/create', body: spec, timeoutMs: 30_000 })).ID;
      const entry: Instance = { instance: launch.id, service, running: false, pid: 0, logPath: launch.logPath, stopping: false, adopted: false, copying: false };
      this.instances.set(launch.id, entry);
      const task = await this.running(entry, this.options.startTimeoutMs ?? 120_000);
      void this.copyOutput(entry);
      return { pid: task.pid };
    } catch (error) {
      if (service) await this.removeService(service);
      this.instances.delete(launch.id);
      if (error instanceof CutoverError) throw error;
      throw new CutoverError(
        ErrorCode.InstanceStartFailed,
        `could not start instance ${launch.id} as a swarm service of image ${image}: ${messageOf(error)}; check that the swarm manager at ${this.engine.socket} answers (docker node ls)`,
        { context, cause: error },
      );
    }
  }

  isRunning(id: string, pid: number | null): boolean {
    const known = this.instances.get(id);
    return !!known && known.running && pid !== null && known.pid === pid;
  }

  find(id: string): number | null {
    const known = this.instances.get(id);
    return known?.running ? known.pid : null;
  }

  /** Removes the service: Swarm stops its task (SIGTERM, SIGKILL after `graceMs`); resolves once the task has ended. */
  async stop(id: string, _pid: number | null, graceMs: number): Promise<void> {
    const known = this.instances.get(id);
    if (!known) return;
    known.stopping = true;
    try {
      await this.engine.call({ method: 'POST', path: `/services/${known.service}/update`, query: { version: await this.versionOf(known.service) }, body: await this.scaledToZero(known.service, graceMs) });
    } catch (error) {
      if (!isGone(error)) this.options.log.warn({ instance: id, err: messageOf(error) }, 'could not scale the swarm service to zero; removing it');
    }
    const deadline = Date.now() + graceMs + 30_000;
    let reapedBy: number | undefined;
    while (Date.now() < deadline) {
      const task = await this.taskOf(known.service).catch(() => undefined);
      if (!task) break;
      if (ENDED.has(task.state)) {
        // Scaled down, the task is Swarm's to delete (desired state remove), and the service is removed only once
        // it is gone: the manager of Swarm 20.10 (Debian's docker.io) crashes when a service is removed while its
        // task reaper deletes one of its tasks (swarmkit's SetServiceTasksRemove reads the task again and
        // dereferences nil; later releases check). dockerd panicked so in CI, taking the swarm down.
        if (task.desiredState !== 'remove') break;
        reapedBy ??= Date.now() + REAP_WAIT_MS;
        if (Date.now() > reapedBy) break;
      }
      await sleep(ENDED.has(task.state) ? 100 : 250);
    }
    await this.removeService(known.service);
    known.running = false;
    this.instances.delete(id);
  }

  orphans(known: ReadonlySet<string>): { id: string; pid: number }[] {
    return [...this.instances.values()].filter((i) => !known.has(i.instance)).map((i) => ({ id: i.instance, pid: i.pid }));
  }

  fromPreviousRelease(): boolean {
    return false;
  }

  exitOf(id: string): { code: number | null; signal: string | null } | undefined {
    return this.exits.get(id);
  }

  /** The address of the node the instance's task runs on (the router and the probe connect there). */
  addressOf(id: string): string | undefined {
    return this.instances.get(id)?.node?.address || undefined;
  }

  /** The node in words, for messages: "node worker-1 (10.0.0.2)". */
  placeOf(id: string): string | undefined {
    const known = this.instances.get(id);
    return known?.task ? describeNode(known.node, known.task.nodeId) : undefined;
  }

  /** A failed check names the node, so a message about an instance says where it was lost. */
  async probe(instance: { id: string; port: number }, path: string, timeoutMs: number): Promise<ProbeResult> {
    const result = await httpProbe(instance.port, path, timeoutMs, this.addressOf(instance.id));
    return result.ok ? result : { ok: false, detail: `${result.detail} on ${this.placeOf(instance.id) ?? 'its node'}` };
  }

  /** Whether this platform started (or adopted) the instance, or saw it end. */
  has(id: string): boolean {
    return this.instances.has(id) || this.exits.has(id);
  }

  /** Stops following the swarm (the server's shutdown; services keep running). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private follow(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refreshOnce(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  /** One refresh at a time: a slow manager is not asked twice over. */
  private refreshOnce(): Promise<void> {
    this.polling ??= this.refresh()
      .catch((error: unknown) => this.options.log.warn({ err: messageOf(error) }, 'the swarm manager did not answer; instances keep their last known state'))
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  /**
   * Reads nodes, services and tasks, and updates every instance: a new
   * service of this server is adopted; a task that ended, or whose node is
   * no longer ready, makes its instance not running, with an exit that
   * names the node; its service is then removed.
   */
  private async refresh(): Promise<void> {
    const swarm = await readSwarm(this.engine, `${LABEL.mark}=${this.options.mark}`);
    this.nodes = swarm.nodes;
    for (const service of swarm.services) {
      const instance = service.labels[LABEL.instance];
      if (!instance || this.instances.has(instance)) continue;
      this.instances.set(instance, { instance, service: service.id, running: false, pid: 0, logPath: service.labels[LABEL.log] ?? '/dev/null', stopping: false, adopted: true, copying: false });
    }
    for (const entry of this.instances.values()) {
      const task = currentTask(swarm.tasks, entry.service);
      const wasRunning = entry.running;
      this.see(entry, task);
      // An adopted instance whose task ended while no server watched ends too (a start in progress is not judged here).
      const ended = wasRunning ? !entry.running : entry.adopted && !!task && ENDED.has(task.state);
      if (ended && !entry.stopping) {
        this.exits.set(entry.instance, this.endOf(entry));
        this.options.log.warn({ instance: entry.instance, node: this.placeOf(entry.instance), detail: task?.message }, 'a swarm task ended');
        this.instances.delete(entry.instance);
        await this.removeService(entry.service);
      } else if (!wasRunning && entry.running) {
        void this.copyOutput(entry);
      }
    }
  }

  private see(entry: Instance, task: SwarmTask | undefined): void {
    entry.task = task;
    entry.node = task ? this.nodes.get(task.nodeId) : undefined;
    const nodeReady = entry.node?.state === 'ready';
    entry.running = !!task && task.state === 'running' && task.pid > 0 && nodeReady;
    if (task && task.pid > 0) entry.pid = task.pid;
  }

  /** How an instance ended: its exit code, or the node that was lost under it. */
  private endOf(entry: Instance): { code: number | null; signal: string | null } {
    const where = describeNode(entry.node, entry.task?.nodeId ?? '');
    if (entry.node && entry.node.state !== 'ready') return { code: null, signal: `lost with ${where}, which is ${entry.node.state}` };
    if (entry.task?.exitCode !== null && entry.task?.exitCode !== undefined) return { code: entry.task.exitCode, signal: null };
    return { code: null, signal: `ended on ${where}: ${entry.task?.message ?? 'no task'}` };
  }

  /** Waits until the service's task runs; a task that cannot run fails the start with the engine's words and the node. */
  private async running(entry: Instance, timeoutMs: number): Promise<SwarmTask> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const swarm = await readSwarm(this.engine, `${LABEL.instance}=${entry.instance}`);
      for (const [id, node] of swarm.nodes) this.nodes.set(id, node);
      const task = currentTask(swarm.tasks, entry.service);
      this.see(entry, task);
      if (task && entry.running) return task;
      if (task && ENDED.has(task.state)) {
        throw new CutoverError(
          ErrorCode.InstanceStartFailed,
          `instance ${entry.instance} could not start on ${describeNode(entry.node, task.nodeId)}: ${task.message || task.state}; the image must be on every node (docker save IMAGE | docker -H NODE load) and the revision folder at the same path`,
          { context: { instance: entry.instance } },
        );
      }
      if (Date.now() > deadline) {
        throw new CutoverError(
          ErrorCode.InstanceStartFailed,
          `instance ${entry.instance} did not run on the swarm within ${Math.round(timeoutMs / 1000)} s (its task is ${task ? `${task.state}: ${task.message}` : 'not yet created'}); check docker node ls and docker service ps ${serviceName(entry.instance)}`,
          { context: { instance: entry.instance } },
        );
      }
      await sleep(200);
    }
  }

  private async taskOf(service: string): Promise<SwarmTask | undefined> {
    const tasks = await this.engine.call<{ ID: string; ServiceID: string; UpdatedAt: string; DesiredState: string; Status: { State: string } }[]>({
      path: '/tasks',
      query: { filters: JSON.stringify({ service: [service] }) },
      timeoutMs: 10_000,
    });
    const newest = tasks.sort((a, b) => (a.UpdatedAt < b.UpdatedAt ? 1 : -1))[0];
    return newest ? { id: newest.ID, serviceId: service, nodeId: '', state: newest.Status.State, desiredState: newest.DesiredState, pid: 0, exitCode: null, message: '', updatedAt: newest.UpdatedAt } : undefined;
  }

  private async versionOf(service: string): Promise<number> {
    return (await this.engine.call<{ Version: { Index: number } }>({ path: `/services/${service}` })).Version.Index;
  }

  /** The service's spec with no replica and the grace period of this stop: Swarm sends SIGTERM, then SIGKILL. */
  private async scaledToZero(service: string, graceMs: number): Promise<unknown> {
    const current = await this.engine.call<{ Spec: { TaskTemplate: { ContainerSpec: Record<string, unknown> } } & Record<string, unknown> }>({ path: `/services/${service}` });
    const spec = current.Spec;
    spec.TaskTemplate.ContainerSpec.StopGracePeriod = graceMs * 1_000_000;
    return { ...spec, Mode: { Replicated: { Replicas: 0 } } };
  }

  /** Copies the service's output to the instance's log file while it runs (the manager gathers it from the node). */
  private async copyOutput(entry: Instance): Promise<void> {
    if (entry.copying) return;
    entry.copying = true;
    await copyLogs(this.engine, entry.service, entry.logPath, 'services').catch((error: unknown) => {
      if (!isGone(error) && this.instances.has(entry.instance)) this.options.log.warn({ instance: entry.instance, err: messageOf(error) }, 'could not copy the swarm service\'s output to its log file');
    });
  }

  private async removeService(service: string): Promise<void> {
    await this.engine.call({ method: 'DELETE', path: `/services/${service}`, timeoutMs: 30_000 }).catch((error: unknown) => {
      if (!isGone(error)) this.options.log.warn({ service, err: messageOf(error) }, 'could not remove the swarm service');
    });
  }
}

/** A service name from an instance id: Swarm wants at most 63 characters of letters, digits, `-` and `_`. */
export function serviceName(instance: string): string {
  return `cutover-${instance}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 63);
}
