import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { freePort } from '../core/net.ts';
import { pickRef } from '../core/types.ts';
import { imageArtifactOf } from '../spec/image-artifact.ts';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import type { InstanceRecord, RevisionRecord } from '../store/index.ts';
import { instanceLogPath, revisionDir, type EngineContext } from './context.ts';
import { withFolder } from './folders.ts';
import { waitUntilHealthy } from './health.ts';
import { syncRouter } from './routing.ts';

/**
 * Unpacks a revision's artifact once; instances of the revision share the
 * copy. It is made readable by its environment's sandbox account only
 * (before it gets its final name, so no instance sees it half-granted).
 * Under the folder's lock, so cleanup never removes it halfway and two
 * starts never unpack it over each other.
 */
export function ensureRevisionUnpacked(ctx: EngineContext, revision: RevisionRecord): Promise<string> {
  const dir = revisionDir(ctx, revision, revision.number);
  return withFolder(dir, () => unpackIfMissing(ctx, revision, dir));
}

/** The unpacking itself; the caller holds the folder's lock. */
async function unpackIfMissing(ctx: EngineContext, revision: RevisionRecord, dir: string): Promise<string> {
  if (!existsSync(dir)) {
    for (const folder of [ctx.sandbox.revisionsDir, dirname(dirname(dir)), dirname(dir)]) {
      await mkdir(folder, { recursive: true, mode: ctx.sandbox.folderMode });
      await chmod(folder, ctx.sandbox.folderMode);
    }
    // An image by digest brings its own files: its folder stays empty (and keeps the folder bookkeeping the same).
    if (imageArtifactOf(revision.spec)) await mkdir(dir, { mode: ctx.sandbox.folderMode });
    else await ctx.artifacts.unpack(revision.digest, dir, (unpacked) => ctx.sandbox.grant(unpacked, revision.environment));
  }
  return dir;
}

/**
 * Starts one instance of a revision. The row is written before the process
 * starts, so a crash in between leaves something the next server can match;
 * it is written under the folder's lock, right after the folder was found
 * (or unpacked): from then on the row counts as a user of the folder and
 * cleanup leaves it (src/engine/folders.ts).
 */
export async function startInstance(ctx: EngineContext, revision: RevisionRecord): Promise<InstanceRecord> {
  const id = `${revision.service}-${revision.environment}-r${revision.number}-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  const dir = revisionDir(ctx, revision, revision.number);
  const record = await withFolder(dir, async () => {
    await unpackIfMissing(ctx, revision, dir);
    return ctx.store.instances.insert({ id, ...pickRef(revision), revision: revision.number, port, dir, logPath: instanceLogPath(ctx, revision, id) });
  });
  try {
    const { pid } = await ctx.platform.start({
      id,
      ...pickRef(revision),
      revision: revision.number,
      version: revision.version,
      dir,
      command: revision.spec.run.command,
      env: await ctx.secrets.environment(revision.spec),
      port,
      logPath: record.logPath,
      ...(revision.spec.run.image !== undefined ? { image: revision.spec.run.image } : {}),
      ...imageLaunch(revision),
      ...(revision.spec.resources ? { resources: revision.spec.resources } : {}),
    });
    ctx.store.instances.update(id, { pid });
    ctx.log.info({ ...pickRef(revision), revision: revision.number, instance: id, pid, port }, 'instance started');
    return { ...record, pid };
  } catch (error) {
    ctx.store.instances.update(id, { state: 'exited', message: messageOf(error) });
    throw error;
  }
}

/** Waits for a starting instance to pass its health check, then puts it in rotation. */
export async function admitWhenHealthy(ctx: EngineContext, instance: InstanceRecord, revision: RevisionRecord, signal: AbortSignal): Promise<void> {
  const outcome = await waitUntilHealthy(
    () => ctx.platform.probe(instance, revision.spec.healthCheck.path, revision.spec.healthCheck.timeoutMs),
    revision.spec.healthCheck,
    () => ctx.platform.isRunning(instance.id, ctx.store.instances.get(instance.id)?.pid ?? instance.pid),
    signal,
  );
  if (outcome.healthy) {
    ctx.store.instances.update(instance.id, { state: 'ready', inRotation: true, message: 'healthy' });
    await syncRouter(ctx, instance);
    return;
  }
  if (outcome.reason === 'aborted') throw signal.reason ?? new CutoverError(ErrorCode.Internal, `the health check of instance ${instance.id} was stopped without a reason`, { context: { ...pickRef(instance), instance: instance.id } });
  const exit = ctx.platform.exitOf(instance.id);
  const how = exit ? (exit.code !== null ? ` with code ${exit.code}` : ` on ${exit.signal}`) : '';
  const detail = outcome.reason === 'exited' ? `exited${how} before it became healthy` : outcome.detail;
  ctx.store.instances.update(instance.id, { message: detail, ...(outcome.reason === 'exited' ? { state: 'exited' } : {}) });
  throw new CutoverError(
    outcome.reason === 'exited' ? ErrorCode.InstanceExited : ErrorCode.InstanceUnhealthy,
    `instance ${instance.id} (revision ${instance.revision}) ${detail}; see \`cutover logs ${instance.service} --env ${instance.environment} --instance ${instance.id}\``,
    { context: { ...pickRef(instance), revision: instance.revision, instance: instance.id } },
  );
}

/**
 * Takes an instance out of rotation, waits for its in-flight requests (at
 * most `drainTimeout`), then stops its process. Safe to call again after a
 * crash at any point.
 */
export async function drainAndStop(ctx: EngineContext, instance: InstanceRecord, drainTimeoutMs: number): Promise<void> {
  const current = ctx.store.instances.get(instance.id);
  if (!current || current.state === 'stopped' || current.state === 'exited' || current.state === 'lost') return;
  if (current.state !== 'starting') {
    ctx.store.instances.update(instance.id, { state: 'draining', inRotation: false });
    await syncRouter(ctx, instance);
    const drained = await ctx.traffic.drain(instance, instance.id, drainTimeoutMs).catch((error: unknown) => {
      ctx.log.warn({ instance: instance.id, err: messageOf(error) }, 'could not ask the router whether the instance is drained');
      return { drained: false, inFlight: -1 };
    });
    if (!drained.drained) ctx.log.warn({ instance: instance.id, inFlight: drained.inFlight }, 'drain timed out; stopping anyway');
  }
  await ctx.platform.stop(instance.id, current.pid, 10_000);
  ctx.store.instances.update(instance.id, { state: 'stopped', inRotation: false, retireAt: null, message: 'stopped' });
  await syncRouter(ctx, instance);
  ctx.log.info({ ...pickRef(instance), instance: instance.id }, 'instance stopped');
}

/** The launch's image by digest, when the revision's artifact is one. */
function imageLaunch(revision: RevisionRecord): { imageArtifact?: { reference: string; digest: string } } {
  const image = imageArtifactOf(revision.spec);
  return image ? { imageArtifact: { reference: image.reference, digest: image.digest } } : {};
}
