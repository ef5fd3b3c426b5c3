import type { DockerEngine } from '../docker/engine-api.ts';

/** A swarm node as the manager sees it. */
export interface SwarmNode {
  id: string;
  hostname: string;
  /** The address it joined the swarm with: where its tasks listen (host networking). */
  address: string;
  /** `ready`, or why it is not (`down`, `unknown`, `disconnected`). */
  state: string;
}

/** One task of a service, as the manager last reported it. */
export interface SwarmTask {
  id: string;
  serviceId: string;
  nodeId: string;
  /** `new` … `running`, then `complete`, `failed`, `shutdown`, `rejected`, `orphaned` or `remove`. */
  state: string;
  desiredState: string;
  /** The container's main process on its node (0 until it runs). */
  pid: number;
  exitCode: number | null;
  /** The engine's words about the task (`Status.Err` or `Status.Message`). */
  message: string;
  updatedAt: string;
}

/** A cutover service on the swarm, found by its labels. */
export interface SwarmService {
  id: string;
  labels: Record<string, string>;
}

/** The states from which a task never runs again. */
export const ENDED = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

/** Reads the swarm's nodes, the services carrying `label`, and their tasks: three calls to the manager. */
export async function readSwarm(engine: DockerEngine, label: string): Promise<{ nodes: Map<string, SwarmNode>; services: SwarmService[]; tasks: SwarmTask[] }> {
  const [nodes, services] = await Promise.all([
    engine.call<{ ID: string; Description?: { Hostname?: string }; Status: { State: string; Addr?: string } }[]>({ path: '/nodes', timeoutMs: 10_000 }),
    engine.call<{ ID: string; Spec: { Labels?: Record<string, string> } }[]>({ path: '/services', query: { filters: JSON.stringify({ label: [label] }) }, timeoutMs: 10_000 }),
  ]);
  const tasks =
    services.length === 0
      ? []
      : await engine.call<
          {
            ID: string;
            ServiceID: string;
            NodeID?: string;
            DesiredState: string;
            UpdatedAt: string;
            Status: { State: string; Message?: string; Err?: string; ContainerStatus?: { PID?: number; ExitCode?: number } };
          }[]
        >({ path: '/tasks', query: { filters: JSON.stringify({ service: services.map((s) => s.ID) }) }, timeoutMs: 10_000 });
  return {
    nodes: new Map(
      nodes.map((n) => [n.ID, { id: n.ID, hostname: n.Description?.Hostname ?? n.ID, address: n.Status.Addr ?? '', state: n.Status.State }]),
    ),
    services: services.map((s) => ({ id: s.ID, labels: s.Spec.Labels ?? {} })),
    tasks: tasks.map((t) => ({
      id: t.ID,
      serviceId: t.ServiceID,
      nodeId: t.NodeID ?? '',
      state: t.Status.State,
      desiredState: t.DesiredState,
      pid: t.Status.ContainerStatus?.PID ?? 0,
      exitCode: t.Status.ContainerStatus?.ExitCode ?? null,
      message: t.Status.Err || t.Status.Message || '',
      updatedAt: t.UpdatedAt,
    })),
  };
}

/** The task that speaks for a service: the newest one (a service here has one replica and never restarts). */
export function currentTask(tasks: SwarmTask[], serviceId: string): SwarmTask | undefined {
  let newest: SwarmTask | undefined;
  for (const task of tasks) if (task.serviceId === serviceId && (!newest || task.updatedAt > newest.updatedAt)) newest = task;
  return newest;
}

/** A node in words for messages: "node worker-1 (10.0.0.2)". */
export function describeNode(node: SwarmNode | undefined, id: string): string {
  return node ? `node ${node.hostname} (${node.address || node.id})` : `node ${id || '(not yet chosen)'}`;
}
