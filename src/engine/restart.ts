import type { Deployment, DeploymentEvent } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { pickRef } from '../core/types.ts';
import { deploymentSpec, type EngineContext } from './context.ts';
import { admitWhenHealthy, drainAndStop, startInstance } from './instances.ts';

/**
 * A rolling restart of the serving revision (`cutover restart`). Invariants:
 * - the instances to replace are those started before the restart deployment
 *   was created; those started since are its own;
 * - there are never fewer instances in rotation than when it began: a new
 *   instance is healthy and in rotation before an old one is drained, and
 *   at most one more instance than the service's size runs at a time;
 * - each old instance is drained (its requests finished) before it stops;
 * - a reconciliation: after a crash it counts old and new again and goes on.
 */
export async function restartInstances(rt: { ctx: EngineContext; signal: AbortSignal; record: (event: DeploymentEvent) => unknown }, d: Deployment): Promise<void> {
  const { ctx } = rt;
  const revision = ctx.store.services.revision(d, d.revision);
  if (!revision) throw new CutoverError(ErrorCode.NotFound, `revision ${d.revision} of ${d.service} is gone; nothing to restart`, { context: { ...pickRef(d), revision: d.revision } });
  const { drainTimeoutMs } = deploymentSpec(ctx, d);
  const isOld = (createdAt: number) => createdAt < d.createdAt;
  const size = Math.max(revision.spec.instances, ctx.store.instances.live(d, d.revision).filter((i) => isOld(i.createdAt) && i.state !== 'draining').length);
  for (;;) {
    if (rt.signal.aborted) throw rt.signal.reason;
    // An instance left draining by a crash finishes stopping first: it is already out of rotation.
    for (const draining of ctx.store.instances.live(d, d.revision).filter((i) => i.state === 'draining')) await drainAndStop(ctx, draining, drainTimeoutMs);
    const live = ctx.store.instances.live(d, d.revision);
    const old = live.filter((i) => isOld(i.createdAt)).sort((a, b) => a.createdAt - b.createdAt);
    const fresh = live.filter((i) => !isOld(i.createdAt));
    const starting = fresh.filter((i) => i.state === 'starting');
    if (starting.length) {
      rt.record({ type: 'Progress', message: `waiting for ${starting.length} new instance(s) of revision ${d.revision} to pass their health check` });
      await Promise.all(starting.map((instance) => admitWhenHealthy(ctx, instance, revision, rt.signal)));
      continue;
    }
    if (old.length === 0) return;
    if (old.length + fresh.length <= size) {
      rt.record({ type: 'Progress', message: `restarting: ${fresh.length} of ${size} instance(s) replaced; starting a new one` });
      const instance = await startInstance(ctx, revision);
      await admitWhenHealthy(ctx, instance, revision, rt.signal);
      continue;
    }
    rt.record({ type: 'Progress', message: `restarting: draining ${old[0]!.id}` });
    await drainAndStop(ctx, old[0]!, drainTimeoutMs);
  }
}
