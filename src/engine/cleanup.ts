import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deployment } from '../core/deployment.ts';
import { messageOf } from '../core/errors.ts';
import { runHooks } from '../environments/hooks.ts';
import { outboundFor, revisionsDir, type EngineContext } from './context.ts';
import { removeUnusedFolder } from './folders.ts';
import { hooksFor } from './hooks.ts';

/**
 * After a deployment ends: unpacked folders no instance uses any more are
 * removed (a rollback unpacks again from the stored artifact), artifacts of
 * old revisions are pruned (a few seconds later), and the cleanup hooks run.
 * Idempotent, so one missed by a crash is done by the next.
 */
export async function cleanupAfter(ctx: EngineContext, d: Deployment): Promise<void> {
  const dir = revisionsDir(ctx, d);
  // A newer revision, or the one a deployment now runs, is about to have instances (apply unpacks before the first starts).
  const wanted = (revision: number) => revision > d.revision || ctx.store.deployments.active(d)?.revision === revision;
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (/^\d+$/.test(entry)) await removeUnusedFolder(ctx, join(dir, entry), () => wanted(Number(entry)));
  }
  pruneSoon(ctx);
  const hooks = hooksFor(ctx, d, 'cleanup');
  if (hooks.length) {
    const result = await runHooks(hooks, { hook: 'cleanup', service: d.service, environment: d.environment, deployment: d.id, revision: d.revision, version: d.version, stableRevision: d.previousRevision }, { sandbox: ctx.sandbox, outbound: outboundFor(ctx, d.environment), openHeaders: (headers) => ctx.secrets.openHeaders(headers) });
    if (!result.ok) ctx.log.warn({ service: d.service, deployment: d.id, err: result.message }, 'cleanup hook failed');
  }
}

/** How long after a deployment ends its artifacts are pruned: one pass for every deployment that ends meanwhile. */
export const PRUNE_AFTER_MS = 5000;
/** Keyed by the store, which every deployment's context shares (each runner makes a context of its own, with its logger). */
const pruneDue = new WeakSet<EngineContext['store']>();

/**
 * Prunes artifacts PRUNE_AFTER_MS after the first deployment that ends
 * while none is due. A pass reads every revision ever deployed: run after
 * each deployment, at 10 ending a second (bench:scale, 1,000 services) it
 * cost services × deployments, and a seventh of the server's CPU. A
 * deployment that ends during a pass asks for the next one.
 */
function pruneSoon(ctx: EngineContext): void {
  if (pruneDue.has(ctx.store)) return;
  pruneDue.add(ctx.store);
  setTimeout(() => {
    pruneDue.delete(ctx.store);
    // A server stopped meanwhile fails here (its store is closed): the next one prunes after its first deployment.
    pruneArtifacts(ctx).catch((error: unknown) => ctx.log.warn({ err: messageOf(error) }, 'could not remove the artifacts of old revisions'));
  }, PRUNE_AFTER_MS).unref();
}

/**
 * Keeps the artifacts of each service's last N revisions (its environment's
 * `keepRevisions`, 10 by default) and of anything running or deploying;
 * removes the artifacts only older revisions use. An upload no revision
 * names yet is never touched: it may be on its way into an apply.
 */
export async function pruneArtifacts(ctx: EngineContext): Promise<string[]> {
  const keep = new Map(Object.entries(ctx.environments).map(([name, environment]) => [name, environment.keepRevisions]));
  const removed = ctx.store.services.prunableDigests(keep, 10);
  for (const digest of removed) await ctx.artifacts.remove(digest);
  if (removed.length) ctx.log.info({ removed: removed.length }, 'removed artifacts of old revisions');
  return removed;
}

/** Runs the onRollback hooks; a failure is logged, never stops the rollback. */
export async function runRollbackHooks(ctx: EngineContext, d: Deployment): Promise<void> {
  const hooks = hooksFor(ctx, d, 'onRollback');
  if (!hooks.length) return;
  const result = await runHooks(hooks, { hook: 'onRollback', service: d.service, environment: d.environment, deployment: d.id, revision: d.revision, version: d.version, stableRevision: d.previousRevision }, { sandbox: ctx.sandbox, outbound: outboundFor(ctx, d.environment), openHeaders: (headers) => ctx.secrets.openHeaders(headers) });
  if (!result.ok) ctx.log.warn({ service: d.service, deployment: d.id, err: result.message }, 'onRollback hook failed');
}

export function cleanupQuietly(ctx: EngineContext, d: Deployment): void {
  cleanupAfter(ctx, d).catch((error: unknown) => ctx.log.warn({ service: d.service, err: messageOf(error) }, 'cleanup failed'));
}
