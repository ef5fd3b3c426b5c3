/**
 * A supervised router survives the death of its supervisor. Its workers
 * keep the shared listening socket and go on serving the last config (they
 * do not exit when the IPC channel closes, as node:cluster workers do by
 * default); one of them starts a new router with the supervisor's own
 * command line, without the control plane. The new router (or one the
 * control plane starts) takes the traffic port over from these orphans:
 * its workers boot, then it tells the orphans to stop (they stop accepting
 * at once and finish what they hold) while its workers retry the port.
 * Only requests that arrive in that short gap find nothing listening.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { messageOf } from '../../core/errors.ts';
import { findMarked, parentOf } from '../../platforms/local/proc.ts';
import type { RouterLogger } from '../log.ts';

/** Marks a worker carries (in its environment) so a new supervisor can find it once its own is gone. */
const WORKER_OF = 'CUTOVER_ROUTER_WORKER_OF';
const SUPERVISOR_PID = 'CUTOVER_ROUTER_SUPERVISOR_PID';
/** The supervisor's own marks (CUTOVER_ROUTER, CUTOVER_DATA_DIR), which a worker must not carry but a new supervisor must. */
const SUPERVISOR_MARKS = 'CUTOVER_ROUTER_SUPERVISOR_MARKS';
/** How many workers the supervisor runs: a worker holds its share of a service's connection cap (workerShare). */
const WORKER_COUNT = 'CUTOVER_ROUTER_WORKER_COUNT';
const MARK_NAMES = ['CUTOVER_ROUTER', 'CUTOVER_DATA_DIR'] as const;

/** An orphan that started a new router leaves this beside the state file until the new one serves; others wait. */
const RESPAWN_LOCK_STALE_MS = 30_000;

/**
 * The environment of a worker of the router whose config is `stateFile`: not
 * the router the control plane looks for (its marks cleared, kept aside for
 * a new supervisor), and findable as a worker of this router.
 */
export function workerEnv(stateFile: string, workers: number): Record<string, string> {
  const marks = Object.fromEntries(MARK_NAMES.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  return {
    CUTOVER_ROUTER: '',
    CUTOVER_DATA_DIR: '',
    CUTOVER_ROUTER_WORKER: '1',
    [WORKER_OF]: stateFile,
    [SUPERVISOR_PID]: String(process.pid),
    [SUPERVISOR_MARKS]: JSON.stringify(marks),
    [WORKER_COUNT]: String(workers),
  };
}

/** In a worker, its share of a limit all the router's processes hold together (rounded up); the limit itself in a router of one process. */
export function workerShare(limit: number): number {
  const workers = Number(process.env[WORKER_COUNT]);
  return Number.isInteger(workers) && workers > 1 ? Math.ceil(limit / workers) : limit;
}

/** Workers of this router whose supervisor is gone (their parent is no longer the supervisor that forked them). */
export function orphanWorkers(stateFile: string): number[] {
  return findMarked({ [WORKER_OF]: stateFile, CUTOVER_ROUTER_WORKER: '1' })
    .filter(({ pid, env }) => parentOf(pid) !== Number(env.get(SUPERVISOR_PID)))
    .map(({ pid }) => pid);
}

/** Tells orphans to stop: each closes its listeners at once (freeing the port) and exits once its requests finish. */
export function stopOrphans(pids: readonly number[], log: RouterLogger): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
      log.info({ event: 'orphan-stopped', workerPid: pid }, 'told a worker of the previous router to stop; this router takes its port over');
    } catch {
      // already gone
    }
  }
}

/** In a worker: whether the state file of its router is still there (a router removed with its folder has none). */
export function routerStateExists(): boolean {
  const stateFile = process.env[WORKER_OF];
  return stateFile !== undefined && stateFile !== '' && existsSync(stateFile);
}

/** Called by the new router once it serves: the next orphaned workers may start another. */
export function clearRespawnLock(stateFile: string): void {
  rmSync(respawnLock(stateFile), { force: true });
}

/**
 * In an orphaned worker: starts a new router (detached, with the supervisor's
 * command line and marks, logging where this worker logs) unless another
 * orphan did within the last 30 s. Returns whether it started one.
 */
export function respawnSupervisor(log: RouterLogger): boolean {
  const stateFile = process.env[WORKER_OF];
  if (!stateFile) return false;
  const lock = respawnLock(stateFile);
  if (!takeLock(lock)) return false;
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['NODE_UNIQUE_ID', 'CUTOVER_ROUTER_WORKER', WORKER_OF, SUPERVISOR_PID, SUPERVISOR_MARKS, WORKER_COUNT, ...MARK_NAMES]) delete env[name];
  Object.assign(env, parseMarks(process.env[SUPERVISOR_MARKS]));
  try {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { detached: true, stdio: ['ignore', 'inherit', 'inherit'], env });
    child.on('error', (error) => log.error({ event: 'respawn-failed', error: messageOf(error) }, 'could not start a new router'));
    child.unref();
    log.warn({ event: 'respawned', pid: child.pid }, 'the router supervisor is gone; started a new router, which takes over from its workers');
    return true;
  } catch (error) {
    log.error({ event: 'respawn-failed', error: messageOf(error) }, 'could not start a new router');
    rmSync(lock, { force: true });
    return false;
  }
}

function respawnLock(stateFile: string): string {
  return `${stateFile}.respawn`;
}

function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return true;
    } catch {
      let age: number;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue;
      }
      // A router started from it that never came up leaves it behind: retry after a while.
      if (age < RESPAWN_LOCK_STALE_MS) return false;
      rmSync(lock, { force: true });
    }
  }
  return false;
}

function parseMarks(text: string | undefined): Record<string, string> {
  try {
    const marks = JSON.parse(text ?? '{}') as Record<string, unknown>;
    return Object.fromEntries(Object.entries(marks).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}
