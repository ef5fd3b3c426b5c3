import type { RouterBackend } from '../router/wire.ts';
import { KeyedLock } from '../core/keyed-lock.ts';
import type { EngineContext } from './context.ts';

/** Config is built and pushed under one lock per service, so an older view of the store is never pushed after a newer one. */
const pushes = new KeyedLock();

/**
 * Tells the service's router what the store says: the traffic split and the
 * instances that may take requests. Always the whole state, never a delta, so
 * pushing twice is harmless and a restarted router catches up in one push.
 */
export function syncRouter(ctx: EngineContext, service: string): Promise<void> {
  return pushes.run(service, () => pushConfig(ctx, service));
}

async function pushConfig(ctx: EngineContext, service: string): Promise<void> {
  const record = ctx.store.services.get(service);
  if (!record) return;
  const backends: RouterBackend[] = ctx.store.instances
    .live(service)
    .filter((instance) => instance.state !== 'starting')
    .map((instance) => ({
      id: instance.id,
      revision: instance.revision,
      port: instance.port,
      inRotation: instance.inRotation && instance.state === 'ready',
    }));
  const { spec, traffic } = record;
  await ctx.traffic.apply({
    service,
    port: spec.port,
    ...(spec.strategy.type === 'blueGreen' && spec.strategy.previewPort !== undefined && traffic.previewRevision !== undefined
      ? { previewPort: spec.strategy.previewPort, previewRevision: traffic.previewRevision }
      : {}),
    weights: traffic.weights,
    backends,
    healthCheck: {
      path: spec.healthCheck.path,
      intervalMs: spec.healthCheck.intervalMs,
      timeoutMs: spec.healthCheck.timeoutMs,
      unhealthyThreshold: spec.healthCheck.unhealthyThreshold,
    },
  });
}
