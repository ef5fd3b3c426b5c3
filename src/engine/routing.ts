import type { Deployment, DeploymentEvent } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { turn } from '../core/fair-turns.ts';
import { KeyedLock } from '../core/keyed-lock.ts';
import { acceptsConnections } from '../core/net.ts';
import { describeRef, pickRef, refOf, serviceKey, type ServiceRef, type Weights } from '../core/types.ts';
import type { RouterBackend } from '../router/wire.ts';
import type { Traffic } from '../store/index.ts';
import type { EngineContext } from './context.ts';

/** Config is built and pushed under one lock per service, so an older view of the store is never pushed after a newer one. */
const pushes = new KeyedLock();

/**
 * Tells the service's router what the store says: the traffic split and the
 * instances that may take requests. Always the whole state, never a delta, so
 * pushing twice is harmless and a restarted router catches up in one push.
 */
export function syncRouter(ctx: EngineContext, ref: ServiceRef): Promise<void> {
  const { service, environment } = ref;
  const key = serviceKey(ref);
  const queued = queuedPushes.get(ctx) ?? new Map<string, Promise<void>>();
  queuedPushes.set(ctx, queued);
  // A push waiting for its turn has not read the store yet: it will push what this caller wrote, so the caller waits for it rather than queueing another.
  const waiting = queued.get(key);
  if (waiting) return waiting;
  const push = pushes.run(key, async () => {
    // Pushes woken together do not hold the API's requests back (core/fair-turns.ts).
    await turn();
    // Started: from here on it may have read the store, so a later change needs a push of its own.
    if (queued.get(key) === push) queued.delete(key);
    return pushConfig(ctx, { service, environment });
  });
  queued.set(key, push);
  return push;
}

/**
 * Per server (engine context) and service, the push queued behind the one
 * running, which every syncRouter meanwhile joins: ten instances turning
 * healthy together cost two pushes, not ten (each push reads the service,
 * its live instances with their versions: two round trips on PostgreSQL).
 */
const queuedPushes = new WeakMap<EngineContext, Map<string, Promise<void>>>();

/**
 * Stops a deleted service's router under the same lock as pushes: a push
 * under way (with its retries) ends first, and every later push sees the
 * service deleted and starts nothing. So a delete is final.
 */
export function removeRouter(ctx: EngineContext, ref: ServiceRef): Promise<void> {
  return pushes.run(serviceKey(ref), () => ctx.traffic.remove(pickRef(ref)));
}

/**
 * Stops the data-plane processes of this server that no service owns (left
 * by a crash, a delete cut short, a push that raced a delete), as orphan
 * instances are: at start and after every delete. Services being deleted
 * right now stay owned: their own delete stops their routers after draining.
 */
export async function sweepRouters(ctx: EngineContext, deleting: ReadonlySet<string> = new Set()): Promise<number> {
  const owned = () => ctx.store.services.all().filter((s) => s.deletedAt === null || deleting.has(serviceKey(refOf(s)))).map(refOf);
  const stopped = await ctx.traffic.sweep(owned);
  if (stopped) ctx.log.warn({ stopped }, 'stopped routers no service owns');
  return stopped;
}

async function pushConfig(ctx: EngineContext, ref: ServiceRef): Promise<void> {
  const record = ctx.store.services.get(ref);
  // A deleted service's router is being removed: a push would start it again.
  if (!record || record.deletedAt !== null) return;
  const live = ctx.store.instances.liveWithVersions(ref);
  const backends: RouterBackend[] = live
    .filter((instance) => instance.state !== 'starting')
    .map((instance) => ({
      id: instance.id,
      revision: instance.revision,
      port: instance.port,
      // A swarm task listens on its node's address; everything else on this host's loopback.
      ...hostOf(ctx, instance.id),
      inRotation: instance.inRotation && instance.state === 'ready',
    }));
  const { spec, traffic } = record;
  // Each revision the router may serve, with its version, for its revision -> version metric.
  const revisions = new Set([...Object.keys(traffic.weights).map(Number), ...backends.map((backend) => backend.revision)]);
  // The live instances brought their revisions' versions; only a weighted revision without one is read (rarely any).
  const known = new Map(live.filter((instance) => instance.version !== null).map((instance) => [instance.revision, instance.version!]));
  const versions: Record<string, string> = {};
  const missing: number[] = [];
  for (const revision of [...revisions].sort((a, b) => a - b)) {
    const version = known.get(revision);
    if (version === undefined) missing.push(revision);
    else versions[String(revision)] = version;
  }
  for (const [revision, version] of ctx.store.services.versions(ref, missing)) versions[String(revision)] = version;
  await ctx.traffic.apply({
    service: ref.service,
    environment: ref.environment,
    port: spec.port,
    ...(spec.strategy.type === 'blueGreen' && spec.strategy.previewPort !== undefined && traffic.previewRevision !== undefined
      ? { previewPort: spec.strategy.previewPort, previewRevision: traffic.previewRevision }
      : {}),
    weights: traffic.weights,
    ...(traffic.headerRoute ? { headerRoute: traffic.headerRoute } : {}),
    ...(traffic.mirror ? { mirror: traffic.mirror } : {}),
    versions,
    backends,
    ...(spec.traffic?.trustedProxies.length ? { trustedProxies: spec.traffic.trustedProxies } : {}),
    ...(spec.traffic?.maxConnections !== undefined ? { maxConnections: spec.traffic.maxConnections } : {}),
    // A Node timer holds at most 2³¹−1 ms; the router closes WebSockets on this delay.
    drainTimeoutMs: Math.min(spec.drainTimeoutMs, 2 ** 31 - 1),
    healthCheck: {
      path: spec.healthCheck.path,
      intervalMs: spec.healthCheck.intervalMs,
      timeoutMs: spec.healthCheck.timeoutMs,
      unhealthyThreshold: spec.healthCheck.unhealthyThreshold,
    },
  });
}

/**
 * The one way a deployment changes who gets which request: the store first
 * (what a restarted server pushes), then the router, then a WeightsChanged
 * event once the router serves it. The event is recorded only when the split
 * differs from the one the deployment last recorded, so a step run again
 * after a crash records it once.
 */
export async function setTraffic(ctx: EngineContext, d: Deployment, traffic: Traffic, record: (event: DeploymentEvent) => Deployment): Promise<void> {
  ctx.store.services.setTraffic(d, traffic);
  await syncRouter(ctx, d);
  const recorded = ctx.store.deployments.get(d.id)?.weights ?? {};
  if (!sameWeights(recorded, traffic.weights)) record({ type: 'WeightsChanged', weights: traffic.weights });
}

function sameWeights(a: Weights, b: Weights): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/**
 * Throws (retryable RouterUnavailable) unless the service's router runs,
 * serves the config last pushed and accepts connections on the service's
 * port: a deployment never says Succeeded over a router that is down.
 */
export async function checkServing(ctx: EngineContext, ref: ServiceRef): Promise<void> {
  const record = ctx.store.services.get(ref);
  if (!record) return;
  const service = describeRef(ref);
  const listens = ctx.traffic.listensOnPort?.(ref) ?? true;
  const problem = (await ctx.traffic.serving(ref)) ?? (!listens || (await acceptsConnections(record.spec.port)) ? null : `nothing accepts connections on port ${record.spec.port}`);
  if (problem === null) return;
  throw new CutoverError(ErrorCode.RouterUnavailable, `the router of ${service} is not serving: ${problem}; its log is in the data dir under routers/${ctx.store.routers.get(ref)?.mark ?? serviceKey(ref)}/router.log`, {
    context: { ...pickRef(ref) },
    retryable: true,
  });
}

function hostOf(ctx: EngineContext, id: string): { host?: string } {
  const host = ctx.platform.addressOf?.(id);
  return host ? { host } : {};
}
