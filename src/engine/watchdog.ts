import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { HealthCheckSpec } from '../spec/types.ts';
import type { EngineContext } from './context.ts';
import { pickRef, type ServiceRef } from '../core/types.ts';

/**
 * Watches the new revision's serving instances while a deployment runs: an
 * instance that exits, or fails `unhealthyThreshold` health checks in a row,
 * fails the deployment. Resolves with the failure, or never (until `signal`).
 */
export async function watchRevision(
  ctx: EngineContext,
  ref: ServiceRef,
  revision: number,
  check: HealthCheckSpec,
  signal: AbortSignal,
): Promise<CutoverError | null> {
  const { service } = ref;
  const failures = new Map<string, number>();
  let lastProbe = 0;
  while (!signal.aborted) {
    const ready = ctx.store.instances.live(ref, revision).filter((i) => i.state === 'ready');
    for (const instance of ready) {
      if (!ctx.platform.isRunning(instance.id, instance.pid)) {
        const exit = ctx.platform.exitOf(instance.id);
        const how = exit ? (exit.code !== null ? ` with code ${exit.code}` : ` on ${exit.signal}`) : '';
        ctx.store.instances.update(instance.id, { state: 'exited', inRotation: false, message: `exited${how}` });
        return new CutoverError(ErrorCode.InstanceExited, `instance ${instance.id} (revision ${revision}) exited${how} while the deployment was in progress; see \`cutover logs ${service} --env ${ref.environment} --instance ${instance.id}\``, {
          context: { ...pickRef(ref), revision, instance: instance.id },
        });
      }
    }
    if (Date.now() - lastProbe >= check.intervalMs) {
      lastProbe = Date.now();
      const results = await Promise.all(ready.map(async (instance) => ({ instance, result: await ctx.platform.probe(instance, check.path, check.timeoutMs) })));
      for (const { instance, result } of results) {
        const count = result.ok ? 0 : (failures.get(instance.id) ?? 0) + 1;
        failures.set(instance.id, count);
        if (count >= check.unhealthyThreshold && ctx.platform.isRunning(instance.id, instance.pid)) {
          return new CutoverError(
            ErrorCode.InstanceUnhealthy,
            `instance ${instance.id} (revision ${revision}) failed its health check ${count} times in a row (GET ${check.path} ${result.detail})`,
            { context: { ...pickRef(ref), revision, instance: instance.id } },
          );
        }
      }
    }
    await sleep(200, undefined, { signal }).catch(() => undefined);
  }
  return null;
}
