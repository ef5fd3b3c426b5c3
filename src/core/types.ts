import type { AnalysisSpec } from '../spec/types.ts';

/** The phases a user sees. A deployment ends in one of the last five. */
export const Phase = {
  Progressing: 'Progressing',
  Paused: 'Paused',
  /** Waiting for an approver who is not the author (environments with approvalRequired). */
  AwaitingApproval: 'AwaitingApproval',
  Succeeded: 'Succeeded',
  RolledBack: 'RolledBack',
  Aborted: 'Aborted',
  Failed: 'Failed',
  /** Cut short by a newer apply of the same service: traffic went back to stable, then the newer revision started from there. */
  Superseded: 'Superseded',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];
export type EndPhase = 'Succeeded' | 'RolledBack' | 'Aborted' | 'Failed' | 'Superseded';

/**
 * Which side of a deployment a step acts on: `canary` is the revision being
 * deployed, `stable` the one serving before it started.
 */
export type Role = 'canary' | 'stable';

/**
 * One step of a plan. Strategies produce them (pure), the engine executes
 * them one at a time; each reconciles to a desired state, so running a step
 * twice is the same as running it once.
 */
export type Step =
  /** Start or stop instances of one side until it has `replicas`; new ones must pass their health check, stopped ones are drained first. */
  | { type: 'scale'; role: Role; replicas: number }
  /** Send `canary` percent of requests to the new revision and the rest to the stable one. */
  | { type: 'setWeight'; canary: number }
  /** Send requests whose `header` equals `exact` (or matches `regex`) to the new revision, until promotion or rollback. */
  | { type: 'setHeaderRoute'; header: string; exact?: string; regex?: string }
  /** Copy `percentage` of the idempotent requests stable answers to the new revision, discarding its answers (0: stop). */
  | { type: 'setMirrorRoute'; percentage: number }
  /** Serve the new revision on the spec's previewPort (blue-green). */
  | { type: 'preview' }
  /** Wait `durationMs`, or, without it, until `cutover promote`. */
  | { type: 'pause'; durationMs?: number }
  /** The new revision becomes the stable one. */
  | { type: 'promote' }
  /** Stop the previous revision's instances `afterMs` from now (drained first). */
  | { type: 'retire'; afterMs: number }
  /** Measure the new revision; Failed rolls back, Inconclusive waits for a person. */
  | { type: 'analysis'; kind: AnalysisKind; analysis: AnalysisSpec }
  /** Wait for an approver who is not the author (`cutover approve`); `cutover reject` aborts. */
  | { type: 'approval' }
  /** Replace every instance of the serving revision one at a time (`cutover restart`): a new one healthy and in rotation before an old one is drained. */
  | { type: 'restart' }
  /** Run the environment's and the service's hooks of one point; a failure rolls back. */
  | { type: 'hook'; point: 'prepare' | 'beforeTraffic' | 'afterPromote' };

/** Where an analysis runs: as a canary step, around a blue-green switch, or beside the whole canary. */
export type AnalysisKind = 'step' | 'prePromotion' | 'postPromotion' | 'background';

export type StepType = Step['type'];

/** revision number (as a string key) -> percent of requests. */
export type Weights = Record<string, number>;

export interface InstanceStatus {
  id: string;
  revision: number;
  pid: number;
  port: number;
  healthy: boolean;
  state: InstanceState;
}

export type InstanceState = 'starting' | 'ready' | 'draining' | 'stopped' | 'exited' | 'lost';

/**
 * What a service is known by: its name in one environment. hello in staging
 * and hello in production are two services, each with its own revisions,
 * instances, router, lock and history; nothing addressed to one touches the
 * other. Deployments, instances, revisions and events carry both fields, so
 * each of them is a ServiceRef of the service it belongs to.
 */
export interface ServiceRef {
  readonly service: string;
  readonly environment: string;
}

/** The one string a (service, environment) is keyed by in memory and on disk: `environment/service` (neither may hold a slash). */
export function serviceKey(ref: ServiceRef): string {
  return `${ref.environment}/${ref.service}`;
}

/** The ref of a service record or spec, which name the service `name`. */
export function refOf(named: { name: string; environment: string }): ServiceRef {
  return { service: named.name, environment: named.environment };
}

/** Just the identity of a ref, without the rest of the object it was taken from (for logs and error context). */
export function pickRef(ref: ServiceRef): ServiceRef {
  return { service: ref.service, environment: ref.environment };
}

/** How a message names a service: `hello (production)`. */
export function describeRef(ref: ServiceRef): string {
  return `${ref.service} (${ref.environment})`;
}
