import type { HookPoint, HookSpec, StrategyType, TrafficRouterType } from '../spec/types.ts';

export type { HookPoint, HookSpec };
export type Severity = 'none' | 'low' | 'medium' | 'high' | 'critical';

export const HOOK_POINTS: readonly HookPoint[] = ['prepare', 'beforeTraffic', 'afterPromote', 'onRollback', 'cleanup'];

/** A deploy window: deployments may start only inside one (when any are set). */
export interface DeployWindow {
  /** mon..sun */
  days: string[];
  /** "09:00" */
  start: string;
  /** "17:00" */
  end: string;
  /** UTC only for now: windows are compared in UTC. */
  timezone: 'UTC';
}

/** An environment's rules. Every deployment to it is checked against them before anything starts. */
export interface Environment {
  name: string;
  description: string;
  instances: { min: number; max: number };
  strategies: StrategyType[];
  /** Another environment a version must have succeeded in first (production after staging). */
  requiresSuccessIn: string | null;
  approvalRequired: boolean;
  signatureRequired: boolean;
  /** Deployments are blocked when a finding reaches this severity ('none': never). */
  blockVulnerabilitiesAt: Severity;
  deployWindows: DeployWindow[];
  hooks: Partial<Record<HookPoint, HookSpec[]>>;
  /** Revisions whose artifacts are kept for rollback. */
  keepRevisions: number;
  /** minisign public keys (the base64 line of minisign.pub) whose signatures this environment trusts. */
  trustedKeys: string[];
  /** The traffic router of services that do not choose one (`traffic: { router }`); absent: builtin. */
  trafficRouter?: TrafficRouterType;
  /**
   * Where its instances run; absent: local processes. `simulated` fakes
   * instances and traffic (bench:scale): set in the server's config only,
   * never inherited through `extends`, refused for production and for any
   * environment that extends it or requires approval or signatures.
   * `docker` runs each instance as a container on the Docker engine at
   * DOCKER_HOST (src/platforms/docker/); `swarm` each instance as a
   * one-task service on the swarm whose manager is at DOCKER_HOST
   * (src/platforms/swarm/); both inherited through `extends`.
   */
  platform?: 'simulated' | 'docker' | 'swarm';
  /** The image this environment's containers run on when a spec names no `run.image`; absent: cutover's base image. */
  image?: string;
  /**
   * Where `http`/`prometheus` providers and http hooks of this environment may
   * call (src/security/outbound): host, host:port or CIDR entries. Empty: nowhere.
   */
  outbound: { allow: string[] };
}
