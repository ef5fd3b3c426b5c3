import { setImmediate } from 'node:timers/promises';
import { messageOf } from '../core/errors.ts';
import type { EngineContext } from './context.ts';
import { drainAndStop } from './instances.ts';
import { removeRouter, sweepRouters, syncRouter } from './routing.ts';
import { describeRef, pickRef, refOf, serviceKey, type ServiceRef } from '../core/types.ts';
import { healServices } from './healing.ts';

/**
 * Adopts what a previous server left running: every recorded instance is
 * matched to its process (by the marks in its environment, so a reused pid
 * is never mistaken for it), processes nobody recorded are stopped (routers
 * included), and each service's router is adopted or restarted on its last
 * config.
 */
export async function adoptAll(ctx: EngineContext): Promise<void> {
  // A platform that reads what runs from elsewhere (the Docker engine's containers) reads it first.
  await ctx.platform.prepare?.();
  const known = new Set<string>();
  for (const instance of ctx.store.instances.live()) {
    const pid = ctx.platform.isRunning(instance.id, instance.pid) ? instance.pid : ctx.platform.find(instance.id);
    if (pid === null) {
      ctx.store.instances.update(instance.id, { state: 'lost', inRotation: false, message: 'its process was gone when the server started' });
      ctx.log.warn({ ...pickRef(instance), instance: instance.id }, 'instance lost while the server was down');
      continue;
    }
    known.add(instance.id);
    if (pid !== instance.pid) ctx.store.instances.update(instance.id, { pid });
    if (ctx.platform.fromPreviousRelease(instance.id, pid)) {
      ctx.log.warn(
        { ...pickRef(instance), instance: instance.id, pid },
        `instance adopted from the previous release: it runs as that release started it (as the server's user, not isolated) until the next deployment of ${describeRef(instance)} replaces it`,
      );
    } else ctx.log.info({ ...pickRef(instance), instance: instance.id, pid }, 'instance adopted');
  }
  for (const orphan of ctx.platform.orphans(known)) {
    ctx.log.warn({ instance: orphan.id, pid: orphan.pid }, 'stopping a process no record owns (left by a crash)');
    await ctx.platform.stop(orphan.id, orphan.pid, 5000);
  }
  // A delete cut short by the crash: finish it (the service is marked deleted before its instances stop).
  for (const instance of ctx.store.instances.live()) {
    if (ctx.store.services.get(instance)?.deletedAt == null) continue;
    await drainAndStop(ctx, instance, 0);
  }
  for (const service of ctx.store.services.all()) {
    if (service.deletedAt !== null && ctx.store.routers.get(refOf(service))) await removeRouter(ctx, refOf(service));
  }
  // Routers are swept like instances: one no live service owns (HAProxy's too) is stopped, never another server's.
  await sweepRouters(ctx);
  for (const ref of ctx.store.services.list().map(refOf)) {
    if (!ctx.store.routers.get(ref)) continue;
    await ctx.traffic.supervise([ref]);
    await syncRouter(ctx, ref).catch((error: unknown) => ctx.log.error({ ...ref, err: messageOf(error) }, 'could not configure router'));
  }
}

/**
 * Instances the supervision pass checks before it lets others run: at
 * 1,000 services × 10 a pass checked all 10,000 and healed in one go, and
 * every deployment step and request waited behind it each second.
 */
const SUPERVISE_SLICE = 2500;

/** One pass of the background loop: restart dead routers, retire instances that are due, notice exits. */
export async function superviseOnce(ctx: EngineContext): Promise<void> {
  for (const ref of await ctx.traffic.supervise(ctx.store.services.liveRefs())) {
    ctx.store.deployments.note(ref, 'RouterRestarted', { message: `the router of ${describeRef(ref)} had stopped; a new one serves its last config` });
    ctx.log.warn({ ...ref }, 'router restarted');
    await syncRouter(ctx, ref);
  }
  // The live services, read once (names only, no spec parsed) instead of once per instance: a pass over
  // 10,000 instances read and parsed each service 10 times. Dropped after any await (a delete may have
  // begun meanwhile): from then on each instance's service is read from the store, as before.
  let live: Set<string> | null = new Set(ctx.store.services.liveRefs().map(serviceKey));
  const beingDeleted = (ref: ServiceRef) => (live?.has(serviceKey(ref)) ? false : ctx.store.services.get(ref)?.deletedAt != null);
  const drainTimeoutOf = (ref: ServiceRef) => ctx.store.services.get(ref)?.spec.drainTimeoutMs ?? 30_000;
  for (const instance of ctx.store.instances.dueForRetirement()) {
    if (beingDeleted(instance)) continue;
    await drainAndStop(ctx, instance, drainTimeoutOf(instance));
    live = null;
  }
  // Six columns of each (no order): the whole record is read only for the rare instance to stop, as it is by then.
  const processes = ctx.store.instances.liveProcesses();
  for (const [i, instance] of processes.entries()) {
    if (i > 0 && i % SUPERVISE_SLICE === 0) {
      // Deployments' steps and requests run between slices; the live services are read again after (a delete may have begun).
      await setImmediate();
      live = new Set(ctx.store.services.liveRefs().map(serviceKey));
    }
    // A service being deleted: the delete stops its instances.
    if (beingDeleted(instance)) continue;
    // Left draining by a crash with no deployment to finish it: finish stopping it.
    if (instance.state === 'draining' && !ctx.store.deployments.active(instance)) {
      const record = ctx.store.instances.get(instance.id);
      if (record?.state === 'draining') await drainAndStop(ctx, record, drainTimeoutOf(instance));
      live = null;
      continue;
    }
    if (instance.state === 'starting' || ctx.platform.isRunning(instance.id, instance.pid)) continue;
    // Deployments watch their own instances; this catches the rest, so the router stops counting on them.
    if (ctx.store.deployments.active(instance)?.revision === instance.revision) continue;
    // Read before a yield: a deployment may have stopped it since (its record says so, and is left as it is).
    const now = ctx.store.instances.get(instance.id);
    if (now?.state !== instance.state || now.pid !== instance.pid) continue;
    const exit = ctx.platform.exitOf(instance.id);
    ctx.store.instances.update(instance.id, { state: 'exited', inRotation: false, message: exit ? `exited with code ${exit.code ?? exit.signal}` : 'exited' });
    ctx.log.warn({ ...pickRef(instance), instance: instance.id }, 'instance exited');
    // Not fatal: the router already routes around an instance that does not answer; the next pass pushes again.
    await syncRouter(ctx, instance).catch((error: unknown) => ctx.log.warn({ ...pickRef(instance), instance: instance.id, err: messageOf(error) }, 'could not tell the router an instance exited'));
    live = null;
  }
  // Healing reads what it needs itself: a pass of its own, after others have run.
  await setImmediate();
  healServices(ctx);
}
