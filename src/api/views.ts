import type { Deployment } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { EngineContext } from '../engine/context.ts';
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
  deployment: { id: number; kind: string; strategy: string; author: string; startedAt: string; updatedAt: string; finishedAt: string | null };
}

export function statusView(ctx: EngineContext, name: string): StatusView {
  const service = ctx.store.services.get(name);
  const d = ctx.store.deployments.latest(name);
  if (!service || !d) throw new CutoverError(ErrorCode.NotFound, `no service named "${name}"; \`cutover apply -f SPEC\` creates it`, { context: { service: name } });
  const step = d.plan[d.stepIndex];
  return {
    service: name,
    environment: d.environment,
    phase: d.phase,
    revision: d.revision,
    stableRevision: service.stableRevision,
    version: d.version,
    step: { index: Math.min(d.stepIndex, d.plan.length), total: d.plan.length, current: step && d.finishedAt === null ? describeStep(step) : null },
    weights: service.traffic.weights,
    instances: ctx.store.instances.live(name).map((i) => ({
      id: i.id,
      revision: i.revision,
      pid: i.pid,
      port: i.port,
      healthy: i.state === 'ready' && ctx.platform.isRunning(i.id, i.pid),
      state: i.retireAt !== null ? 'retiring' : i.state,
    })),
    message: d.message,
    analyses: d.analyses ?? [],
    router: routerOf(ctx, name, service.port),
    deployment: {
      id: d.id,
      kind: d.kind,
      strategy: d.strategy,
      author: d.author,
      startedAt: new Date(d.createdAt).toISOString(),
      updatedAt: new Date(d.updatedAt).toISOString(),
      finishedAt: d.finishedAt === null ? null : new Date(d.finishedAt).toISOString(),
    },
  };
}

function routerOf(ctx: EngineContext, name: string, port: number): StatusView['router'] {
  const record = ctx.store.routers.get(name);
  return record ? { pid: record.pid, port, adminPort: record.adminPort } : null;
}

export interface HistoryEntry {
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

export function historyView(ctx: EngineContext, name: string): HistoryEntry[] {
  if (!ctx.store.services.get(name)) throw new CutoverError(ErrorCode.NotFound, `no service named "${name}"`, { context: { service: name } });
  return ctx.store.deployments.list(name).map((d) => ({
    deployment: d.id,
    revision: d.revision,
    version: d.version,
    digest: ctx.store.services.revision(name, d.revision)?.digest ?? '',
    kind: d.kind,
    strategy: d.strategy,
    author: d.author,
    startedAt: new Date(d.createdAt).toISOString(),
    finishedAt: d.finishedAt === null ? null : new Date(d.finishedAt).toISOString(),
    outcome: d.phase,
    message: d.message,
    analyses: (d.analyses ?? []).map((a) => ({
      kind: a.kind,
      phase: a.phase,
      message: a.message,
      metrics: a.metrics.map((m) => ({ name: m.name, phase: m.phase, ...(m.measurements.at(-1)?.value === undefined ? {} : { value: m.measurements.at(-1)!.value }) })),
    })),
  }));
}
