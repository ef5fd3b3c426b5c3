import type { Deployment } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { runHooks } from '../environments/hooks.ts';
import type { HookPoint, HookSpec } from '../spec/types.ts';
import { deploymentSpec, outboundFor, type EngineContext } from './context.ts';

/** The hooks of one point: the environment's first, then the deployment's spec's own. */
export function hooksFor(ctx: EngineContext, d: Pick<Deployment, 'id' | 'environment' | 'service' | 'revision'>, point: HookPoint): HookSpec[] {
  const environment = ctx.environments[d.environment]?.hooks[point] ?? [];
  const service = deploymentSpec(ctx, d).hooks[point] ?? [];
  return [...environment, ...service];
}

/** Runs a point's hooks for a deployment; throws when one fails, so the deployment rolls back. */
export async function runDeploymentHooks(ctx: EngineContext, d: Deployment, point: HookPoint, signal?: AbortSignal): Promise<void> {
  const hooks = hooksFor(ctx, d, point);
  if (!hooks.length) return;
  // A hook calls out or runs deployer code: a deposed leader must not (its successor runs the step again).
  ctx.fence?.confirm(`run the ${point} hooks of deployment ${d.id}`);
  const result = await runHooks(hooks, { hook: point, service: d.service, environment: d.environment, deployment: d.id, revision: d.revision, version: d.version, stableRevision: d.previousRevision }, { sandbox: ctx.sandbox, outbound: outboundFor(ctx, d.environment), openHeaders: (headers) => ctx.secrets.openHeaders(headers) }, signal);
  if (!result.ok) throw new CutoverError(ErrorCode.HookFailed, result.message, { context: { service: d.service, deployment: d.id, hook: point } });
  ctx.log.info({ service: d.service, environment: d.environment, deployment: d.id, hook: point }, 'hooks passed');
}
