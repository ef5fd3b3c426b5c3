import { timerDelay } from '../core/duration.ts';
import { messageOf } from '../core/errors.ts';
import type { EngineContext } from './context.ts';
import { pickRef, serviceKey } from '../core/types.ts';
import type { RevisionRecord } from '../store/index.ts';
import { admitWhenHealthy, drainAndStop, startInstance } from './instances.ts';

/** Per service: whether a replacement is under way, and when the next may start (backoff after failures). */
const state = new Map<string, { busy: boolean; nextAt: number; failures: number }>();

/**
 * Keeps a service that is not being deployed at its declared size: an
 * instance of the stable revision that exited (the router has already routed
 * around it) is replaced by a new one, admitted only once healthy. Repeated
 * failures back off (2s, 4s, … up to a minute) so a crashing revision does not
 * spin.
 */
export function healServices(ctx: EngineContext): void {
  // Three reads per pass whatever the number of services; a service's revision is read only when it is short.
  const deploying = new Set(ctx.store.deployments.unfinished().map((d) => serviceKey(d)));
  const serving = new Map(ctx.store.instances.servingCounts().map((c) => [`${serviceKey(c)}#${c.revision}`, c.count]));
  for (const stable of ctx.store.services.stableSizes()) {
    const ref = pickRef(stable);
    const key = serviceKey(ref);
    const entry = state.get(key) ?? { busy: false, nextAt: 0, failures: 0 };
    state.set(key, entry);
    if (entry.busy || Date.now() < entry.nextAt || deploying.has(key)) continue;
    if ((serving.get(`${key}#${stable.revision}`) ?? 0) >= stable.instances) {
      entry.failures = 0;
      continue;
    }
    const revision = ctx.store.services.revision(ref, stable.revision);
    if (!revision) continue;
    entry.busy = true;
    void replaceOne(ctx, revision)
      .then(() => {
        entry.failures = 0;
      })
      .catch((error: unknown) => {
        entry.failures++;
        entry.nextAt = Date.now() + Math.min(60_000, 1000 * 2 ** entry.failures);
        ctx.log.warn({ ...ref, err: messageOf(error), retryInMs: entry.nextAt - Date.now() }, 'could not replace an exited instance');
      })
      .finally(() => {
        entry.busy = false;
      });
  }
}

async function replaceOne(ctx: EngineContext, revision: RevisionRecord): Promise<void> {
  const { number } = revision;
  const instance = await startInstance(ctx, revision);
  ctx.store.deployments.note(revision, 'InstanceReplaced', { instance: instance.id, revision: number, message: `started ${instance.id} to replace an instance of revision ${number} that exited` });
  try {
    await admitWhenHealthy(ctx, instance, revision, AbortSignal.timeout(timerDelay(revision.spec.healthCheck.startupTimeoutMs + 5000)));
  } catch (error) {
    await drainAndStop(ctx, instance, 0).catch((stopError: unknown) => ctx.log.warn({ ...pickRef(revision), instance: instance.id, err: messageOf(stopError) }, 'could not stop a replacement that did not become healthy'));
    throw error;
  }
}
