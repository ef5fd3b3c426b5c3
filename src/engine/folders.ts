import { rm } from 'node:fs/promises';
import { KeyedLock } from '../core/keyed-lock.ts';
import type { EngineContext } from './context.ts';

/**
 * Unpacked revision folders are shared by every instance started in them,
 * and a process whose working directory is removed dies (Python's
 * http.server in os.getcwd() at start, issue 12 finding 5). So a folder's
 * users are counted, and counted under one lock per folder that instance
 * starts also hold from "the folder is there" until their row is written:
 * cleanup either sees the new row, or removes the folder before the start
 * looks, and the start unpacks it again.
 */
const folders = new KeyedLock();

/** Runs `section` holding `dir`'s lock: no instance is being started in it and no cleanup is removing it meanwhile. */
export function withFolder<T>(dir: string, section: () => Promise<T>): Promise<T> {
  return folders.run(dir, section);
}

/** How many instances, of any service and revision, may be running (or starting) in `dir`: its reference count. */
export function folderUsers(ctx: EngineContext, dir: string): number {
  return ctx.store.instances.liveIn(dir);
}

/**
 * Removes `dir` unless an instance uses it or `kept()` says it is wanted
 * (a deployment about to start instances in it), decided under the folder's
 * lock. True when it was removed.
 */
export function removeUnusedFolder(ctx: EngineContext, dir: string, kept: () => boolean): Promise<boolean> {
  return withFolder(dir, async () => {
    if (kept() || folderUsers(ctx, dir) > 0) return false;
    await rm(dir, { recursive: true, force: true });
    return true;
  });
}
