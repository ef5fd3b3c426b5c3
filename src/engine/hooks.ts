import type { Deployment } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { runHooks } from '../environments/hooks.ts';
import type { HookPoint, HookSpec } from '../spec/types.ts';
import type { EngineContext } from './context.ts';

/** The hooks of one point: the environment's first, then the service's own. */
export function hooksFor(ctx: EngineContext, d: Pick<Deployment, 'environment' | 'service' | 'revision'>, point: HookPoint): HookSpec[] {
  const environment = ctx.environments[d.environment]?.hooks[point] ?? [];
  const service = ctx.store.services.revision(d.service, d.revision)?.spec.hooks?.[point] ?? [];
  return [...environment, ...service];
}

/** Runs a point's hooks for a deployment; throws when one fails, so the deployment rolls back. */
export async function runDeploymentHooks(ctx: EngineContext, d: Deployment, point: HookPoint, signal?: AbortSignal): Promise<void> {
  const hooks = hooksFor(ctx, d, point);
  if (!hooks.length) return;
  const result = await runHooks(hooks, { hook: point, service: d.service, environment: d.environment, deployment: d.id, revision: d.revision, version: d.version, stableRevision: d.previousRevision }, signal);
  if (!result.ok) throw new CutoverError(ErrorCode.HookFailed, result.message, { context: { service: d.service, deployment: d.id, hook: point } });
  ctx.log.info({ service: d.service, environment: d.environment, deployment: d.id, hook: point }, 'hooks passed');
}
