import { sleep as sleepLong } from '../core/sleep.ts';
import type { Deployment, DeploymentEvent } from '../core/deployment.ts';
import type { Role, Step, Weights } from '../core/types.ts';
import type { RevisionRecord, Traffic } from '../store/index.ts';
import { deploymentSpec, type EngineContext } from './context.ts';
import { admitWhenHealthy, drainAndStop, startInstance } from './instances.ts';
import { setTraffic } from './routing.ts';
import { analyse, analysisFailure } from './analysis.ts';
import { runDeploymentHooks } from './hooks.ts';
import { restartInstances } from './restart.ts';
import { pickRef } from '../core/types.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';

/** What a step needs beyond the deployment: how to wait for a person. */
export interface StepRuntime {
  ctx: EngineContext;
  signal: AbortSignal;
  /** Resolves when something about the deployment changed (promote, abort). */
  changed(): Promise<void>;
  /** Re-reads the deployment from the store. */
  current(): Deployment;
  /** Appends an event and returns the new state. */
  record: (event: DeploymentEvent) => Deployment;
}

/** The service's traffic split as the store has it (what the router was last told). */
function trafficOf(ctx: EngineContext, d: Deployment): Traffic {
  return ctx.store.services.get(d)?.traffic ?? { weights: {} };
}

function revisionOf(ctx: EngineContext, d: Deployment, role: Role): RevisionRecord | null {
  const number = role === 'canary' ? d.revision : d.previousRevision;
  return number === null ? null : ctx.store.services.revision(d, number);
}

/** Runs one step to completion. Every step reconciles to a desired state, so running it again is harmless. */
export async function executeStep(rt: StepRuntime, d: Deployment, step: Step): Promise<void> {
  const { ctx } = rt;
  switch (step.type) {
    case 'scale':
      return scale(rt, d, step.role, step.replicas);
    case 'setWeight': {
      const weights: Weights = {};
      if (d.previousRevision !== null && d.previousRevision !== d.revision && step.canary < 100) weights[d.previousRevision] = 100 - step.canary;
      if (step.canary > 0 || d.previousRevision === null) weights[d.revision] = d.previousRevision === null ? 100 : step.canary;
      return setTraffic(ctx, d, { ...trafficOf(ctx, d), weights }, rt.record);
    }
    case 'setHeaderRoute': {
      const { header, exact, regex } = step;
      const headerRoute = { header, revision: d.revision, ...(exact !== undefined ? { exact } : {}), ...(regex !== undefined ? { regex } : {}) };
      return setTraffic(ctx, d, { ...trafficOf(ctx, d), headerRoute }, rt.record);
    }
    case 'setMirrorRoute': {
      const { mirror: _previous, ...traffic } = trafficOf(ctx, d);
      return setTraffic(ctx, d, step.percentage > 0 ? { ...traffic, mirror: { revision: d.revision, percentage: step.percentage } } : traffic, rt.record);
    }
    case 'preview':
      return setTraffic(ctx, d, { ...trafficOf(ctx, d), previewRevision: d.revision }, rt.record);
    case 'pause':
      return pause(rt);
    case 'promote': {
      ctx.store.services.setStableRevision(d, d.revision);
      // The preview ends: the new revision is served on the main port now.
      await setTraffic(ctx, d, { weights: trafficOf(ctx, d).weights }, rt.record);
      rt.record({ type: 'Promoted', revision: d.revision });
      return;
    }
    case 'retire':
      return retire(rt, d, step.afterMs);
    case 'restart':
      return restartInstances(rt, d);
    case 'hook':
      return runDeploymentHooks(ctx, d, step.point, rt.signal);
    case 'approval':
      while (!rt.signal.aborted && !rt.current().approvedBy) await waitForChange(rt, 60_000);
      if (rt.signal.aborted) throw rt.signal.reason;
      return;
    case 'analysis': {
      const outcome = await analyse(ctx, d, step.kind, step.analysis, rt.record, rt.signal);
      if (rt.signal.aborted) throw rt.signal.reason;
      if (outcome.phase === 'Successful') return;
      if (outcome.phase === 'Inconclusive') {
        rt.record({ type: 'Held', reason: outcome.message });
        return waitForPerson(rt);
      }
      throw analysisFailure(d, outcome);
    }
    default: {
      const unknown: never = step;
      throw new CutoverError(ErrorCode.InvalidSpec, `deployment ${d.id} has a step of unknown type ${JSON.stringify((unknown as { type?: unknown }).type)}; it was planned by a newer cutover: run that version, or \`cutover abort ${d.service} --env ${d.environment}\``, { context: { ...pickRef(d), deployment: d.id } });
    }
  }
}

async function scale(rt: StepRuntime, d: Deployment, role: Role, replicas: number): Promise<void> {
  const { ctx } = rt;
  const revision = revisionOf(ctx, d, role);
  if (!revision) return;
  const spec = deploymentSpec(ctx, d);
  // An instance left draining by a crash finishes stopping first: it is already out of rotation.
  for (const draining of ctx.store.instances.live(d, revision.number).filter((i) => i.state === 'draining')) await drainAndStop(ctx, draining, spec.drainTimeoutMs);
  let live = ctx.store.instances.live(d, revision.number);
  // A revision being scaled is wanted again: cancel retirements (the warm instances of a rollback target).
  for (const instance of live) if (instance.retireAt !== null && replicas > 0) ctx.store.instances.update(instance.id, { retireAt: null });
  for (let i = live.length; i < replicas; i++) await startInstance(ctx, revision);
  live = ctx.store.instances.live(d, revision.number).filter((i) => i.state !== 'draining');
  const starting = live.filter((i) => i.state === 'starting');
  if (starting.length) {
    rt.record({ type: 'Progress', message: `waiting for ${starting.length} instance(s) of revision ${revision.number} to pass their health check` });
    await Promise.all(starting.map((instance) => admitWhenHealthy(ctx, instance, revision, rt.signal)));
  }
  if (live.length > replicas) {
    // Stop those not yet serving first, then the newest.
    const surplus = [...live].sort((a, b) => Number(a.state === 'ready') - Number(b.state === 'ready') || b.createdAt - a.createdAt).slice(0, live.length - replicas);
    for (const instance of surplus) await drainAndStop(ctx, instance, spec.drainTimeoutMs);
  }
}

/** Waits until a person promotes (clearing the hold) or the deployment is ended. */
export async function waitForPerson(rt: StepRuntime): Promise<void> {
  while (!rt.signal.aborted && rt.current().hold !== null) await waitForChange(rt, 60_000);
  if (rt.signal.aborted) throw rt.signal.reason;
}

async function pause(rt: StepRuntime): Promise<void> {
  while (!rt.signal.aborted) {
    const d = rt.current();
    if (d.promoteRequested) return;
    if (d.pausedUntil !== null && Date.now() >= d.pausedUntil) return;
    const wait = d.pausedUntil === null ? 60_000 : Math.max(0, d.pausedUntil - Date.now());
    await waitForChange(rt, wait);
  }
  throw rt.signal.reason;
}

/**
 * Waits `ms` (any length: sleepLong waits in pieces), until the deployment
 * changes, or until the runner is stopped, whichever comes first. The timer
 * is cancelled when the wait ends: one left running after a promote or an
 * abort kept a stopping server's process alive for up to a minute.
 */
export async function waitForChange(rt: Pick<StepRuntime, 'signal' | 'changed'>, ms: number): Promise<void> {
  const ended = new AbortController();
  try {
    await Promise.race([sleepLong(ms, AbortSignal.any([rt.signal, ended.signal])).catch(() => undefined), rt.changed()]);
  } finally {
    ended.abort();
  }
}

async function retire(rt: StepRuntime, d: Deployment, afterMs: number): Promise<void> {
  const { ctx } = rt;
  if (d.previousRevision === null || d.previousRevision === d.revision) return;
  const old = ctx.store.instances.live(d, d.previousRevision);
  const traffic = trafficOf(ctx, d);
  await setTraffic(ctx, d, { ...traffic, weights: Object.fromEntries(Object.entries(traffic.weights).filter(([, weight]) => weight > 0)) }, rt.record);
  if (afterMs > 0) {
    // Kept warm for an instant rollback; the retirement loop stops them when due, even across restarts.
    const at = Date.now() + afterMs;
    for (const instance of old) if (instance.retireAt === null) ctx.store.instances.update(instance.id, { retireAt: at });
    return;
  }
  for (const instance of old) await drainAndStop(ctx, instance, deploymentSpec(ctx, d).drainTimeoutMs);
}
