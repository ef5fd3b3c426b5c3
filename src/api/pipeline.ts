import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { Deployment } from '../core/deployment.ts';
import { succeededIn } from '../engine/admission.ts';
import type { EngineContext } from '../engine/context.ts';

/** One stage of a pipeline: what the service runs in that environment. */
export interface StageView {
  environment: string;
  /** The version, revision and artifact serving (the stable revision); null before anything succeeded there. */
  version: string | null;
  revision: number | null;
  digest: string | null;
  /** The newest deployment there: its phase, when it last changed, who started it. */
  phase: Deployment['phase'];
  deploying: { revision: number; version: string } | null;
  updatedAt: string;
  by: string;
  /** Environments in which the serving digest has succeeded (the stages it passed). */
  passed: string[];
}

/** What `cutover pipeline NAME` shows: every environment of a service side by side, in the server's environment order. */
export interface PipelineView {
  service: string;
  stages: StageView[];
}

export function pipelineView(ctx: EngineContext, name: string): PipelineView {
  const order = Object.keys(ctx.environments);
  const services = ctx.store.services.named(name).sort((a, b) => rank(order, a.environment) - rank(order, b.environment));
  if (!services.length) throw new CutoverError(ErrorCode.NotFound, `no service named "${name}" in any environment; \`cutover apply -f SPEC\` creates it`, { context: { service: name } });
  const stages: StageView[] = [];
  for (const service of services) {
    const ref = { service: name, environment: service.environment };
    const latest = ctx.store.deployments.latest(ref);
    if (!latest) continue;
    const stable = service.stableRevision === null ? null : ctx.store.services.revision(ref, service.stableRevision);
    stages.push({
      environment: service.environment,
      version: stable?.version ?? null,
      revision: stable?.number ?? null,
      digest: stable?.digest ?? null,
      phase: latest.phase,
      deploying: latest.finishedAt === null ? { revision: latest.revision, version: latest.version } : null,
      updatedAt: new Date(latest.updatedAt).toISOString(),
      by: latest.author,
      passed: stable ? succeededIn(ctx, stable.digest).sort((a, b) => rank(order, a) - rank(order, b)) : [],
    });
  }
  return { service: name, stages };
}

function rank(order: string[], environment: string): number {
  const index = order.indexOf(environment);
  return index === -1 ? order.length : index;
}
