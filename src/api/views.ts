import type { Deployment } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { EngineContext } from '../engine/context.ts';
import { pickRef, type ServiceRef } from '../core/types.ts';
import type { InstanceSummary, RouterRecord, ServiceSummary } from '../store/index.ts';
import { describeStep } from '../strategies/index.ts';

/** What `cutover status -o json` prints. */
export interface StatusView {
  service: string;
  environment: string;
  phase: Deployment['phase'];
  revision: number;
  stableRevision: number | null;
  version: string;
  step: { index: number; total: number; current: string | null };
  weights: Record<string, number>;
  instances: { id: string; revision: number; pid: number | null; port: number; healthy: boolean; state: string }[];
  message: string;
  /** Every analysis of the deployment with its metrics' latest measurements and verdicts. */
  analyses: Deployment['analyses'];
  /** The service's router process: its pid and its authenticated admin port (stats, /metrics for Prometheus). */
  router: { pid: number | null; port: number; adminPort: number } | null;
  deployment: { id: number; kind: string; strategy: string; author: string; startedAt: string; updatedAt: string; finishedAt: string | null } & Supersession;
}

/** Which deployment a deployment cut short, and which one cut it short (null when none). */
export interface Supersession {
  supersedes: number | null;
  supersededBy: number | null;
}

function supersession(d: Deployment): Supersession {
  return { supersedes: d.supersedes ?? null, supersededBy: d.ending?.supersededBy ?? null };
}

/** 404 naming the environments the name does exist in, if any. */
export function noSuchService(ctx: EngineContext, ref: ServiceRef): CutoverError {
  const elsewhere = ctx.store.services.named(ref.service).map((s) => s.environment);
  const hint = elsewhere.length ? `; it exists in ${elsewhere.join(', ')} (pass --env)` : '; `cutover apply -f SPEC` creates it';
  return new CutoverError(ErrorCode.NotFound, `no service named "${ref.service}" in environment ${ref.environment}${hint}`, { context: { ...pickRef(ref), environments: elsewhere } });
}

export function statusView(ctx: EngineContext, ref: ServiceRef): StatusView {
  const service = ctx.store.services.get(ref);
  const d = ctx.store.deployments.latest(ref);
  if (!service || service.deletedAt !== null || !d) throw noSuchService(ctx, ref);
  return statusOf(service, d, ctx.store.instances.live(ref), ctx.store.routers.get(ref), (i) => i.state === 'ready' && ctx.platform.isRunning(i.id, i.pid));
}

/**
 * One service's status from what the store holds. `healthy`: whether an
 * instance counts as healthy; one service's status asks the platform
 * whether its process still runs, the list takes the store's state (see
 * service-list.ts).
 */
export function statusOf(service: ServiceSummary, d: Deployment, instances: readonly InstanceSummary[], router: RouterRecord | null, healthy: (instance: InstanceSummary) => boolean): StatusView {
  const step = d.plan[d.stepIndex];
  return {
    service: service.name,
    environment: service.environment,
    phase: d.phase,
    revision: d.revision,
    stableRevision: service.stableRevision,
    version: d.version,
    step: { index: Math.min(d.stepIndex, d.plan.length), total: d.plan.length, current: step && d.finishedAt === null ? describeStep(step) : null },
    weights: service.traffic.weights,
    instances: instances.map((i) => ({
      id: i.id,
      revision: i.revision,
      pid: i.pid,
      port: i.port,
      healthy: healthy(i),
      state: i.retireAt !== null ? 'retiring' : i.state,
    })),
    message: d.message,
    analyses: d.analyses ?? [],
    router: router ? { pid: router.pid, port: service.port, adminPort: router.adminPort } : null,
    deployment: {
      id: d.id,
      kind: d.kind,
      strategy: d.strategy,
      author: d.author,
      startedAt: new Date(d.createdAt).toISOString(),
      updatedAt: new Date(d.updatedAt).toISOString(),
      finishedAt: d.finishedAt === null ? null : new Date(d.finishedAt).toISOString(),
      ...supersession(d),
    },
  };
}

export interface HistoryEntry extends Supersession {
  deployment: number;
  revision: number;
  version: string;
  digest: string;
  kind: string;
  strategy: string;
  author: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: Deployment['phase'];
  message: string;
  /** Each analysis and how it ended (measurements are in `status` and the events). */
  analyses: { kind: string; phase: string; message: string; metrics: { name: string; phase: string; value?: unknown }[] }[];
}

export function historyView(ctx: EngineContext, ref: ServiceRef): HistoryEntry[] {
  if (!ctx.store.services.get(ref)) throw noSuchService(ctx, ref);
  return ctx.store.deployments.list(ref).map((d) => ({
    deployment: d.id,
    revision: d.revision,
    version: d.version,
    digest: ctx.store.services.revision(ref, d.revision)?.digest ?? '',
    kind: d.kind,
    strategy: d.strategy,
    author: d.author,
    startedAt: new Date(d.createdAt).toISOString(),
    finishedAt: d.finishedAt === null ? null : new Date(d.finishedAt).toISOString(),
    outcome: d.phase,
    message: d.message,
    ...supersession(d),
    analyses: (d.analyses ?? []).map((a) => ({
      kind: a.kind,
      phase: a.phase,
      message: a.message,
      metrics: a.metrics.map((m) => ({ name: m.name, phase: m.phase, ...(m.measurements.at(-1)?.value === undefined ? {} : { value: m.measurements.at(-1)!.value }) })),
    })),
  }));
}
