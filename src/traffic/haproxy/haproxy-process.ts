import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { findMarked, hasMarks, isProcessAlive, signalGroup } from '../../platforms/index.ts';
import type { HaproxyPaths } from './config-file.ts';
import { parseShowProc, runtimeCommand, runtimeCommandPatiently } from './runtime-api.ts';

/** How long HAProxy may take to start or reload before cutover gives up and says why. */
const READY_TIMEOUT_MS = 20_000;

/** One service's HAProxy: files and the marks its processes carry in their environment. */
export interface HaproxyInstance {
  service: string;
  configFile: string;
  logFile: string;
  paths: HaproxyPaths;
  /** Environment variables that identify this service's HAProxy (adoption after a control-plane restart). */
  marks: Record<string, string>;
}

/** The `haproxy` program, or a clear error saying how to install it. */
export function haproxyCommand(): string {
  const probe = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new CutoverError(ErrorCode.InvalidConfig, 'traffic.router is haproxy but the haproxy program is not on PATH; install it (apt-get install haproxy, version 2.6 or newer) or use the built-in router', {
      context: { field: 'traffic.router' },
    });
  }
  return 'haproxy';
}

/** Checks a written config with `haproxy -c` before HAProxy is asked to serve it. */
export function checkConfig(configFile: string): void {
  const check = spawnSync(haproxyCommand(), ['-c', '-q', '-f', configFile], { encoding: 'utf8' });
  if (check.status !== 0) {
    throw new CutoverError(ErrorCode.Internal, `HAProxy refused the config cutover wrote (${configFile}): ${(check.stderr || check.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** The master's pid when it runs (its pid file, checked against the marks), else null. */
export function runningMaster(instance: HaproxyInstance): number | null {
  const fromFile = readPid(instance.paths.pidFile);
  if (fromFile !== null) return hasMarks(fromFile, instance.marks) ? fromFile : null;
  // No pid file (a crash between start and its write): the marked process whose parent is not marked is the master.
  const marked = findMarked(instance.marks).map((entry) => entry.pid);
  return marked.find((pid) => !marked.includes(parentOf(pid))) ?? null;
}

/** Starts HAProxy in master-worker mode, detached (it outlives the control plane), and waits until a worker serves. */
export async function startHaproxy(instance: HaproxyInstance): Promise<number> {
  const command = haproxyCommand();
  checkConfig(instance.configFile);
  const log = openSync(instance.logFile, 'a', 0o600);
  let pid: number;
  try {
    const child = spawn(command, ['-W', '-S', `${instance.paths.masterSocket},mode,600`, '-f', instance.configFile], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH ?? '', ...instance.marks },
    });
    pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', reject);
    });
    child.unref();
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) break;
    const workers = await currentWorkers(instance).catch(() => []);
    if (workers.length > 0 && (await runtimeCommand(instance.paths.adminSocket, 'show info').then(() => true, () => false))) return pid;
    await sleep(50);
  }
  signalGroup(pid, 'SIGKILL');
  throw new CutoverError(ErrorCode.RouterUnavailable, `HAProxy for ${instance.service} did not start; its log ends with: ${readTail(instance.logFile)}`, {
    context: { service: instance.service },
  });
}

/**
 * Reloads HAProxy on the config file as it is now: the master starts new
 * workers, hands them the listening sockets (no connection refused), and the
 * old workers finish the requests they hold. Resolves once a new worker serves.
 */
export async function reloadHaproxy(instance: HaproxyInstance): Promise<void> {
  checkConfig(instance.configFile);
  const before = new Set((await currentWorkers(instance)).map((worker) => worker.pid));
  // The master re-executes itself on reload and closes this connection; its answer does not matter.
  await runtimeCommand(instance.paths.masterSocket, 'reload').catch(() => undefined);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const workers = await currentWorkers(instance).catch(() => []);
    if (workers.some((worker) => !before.has(worker.pid)) && (await runtimeCommand(instance.paths.adminSocket, 'show info').then(() => true, () => false))) return;
    await sleep(50);
  }
  throw new CutoverError(ErrorCode.RouterUnavailable, `HAProxy for ${instance.service} did not reload within ${READY_TIMEOUT_MS / 1000}s; its log ends with: ${readTail(instance.logFile)}`, {
    context: { service: instance.service },
    retryable: true,
  });
}

/** Every worker, the old ones still finishing requests after a reload included. */
export async function allWorkers(instance: HaproxyInstance): Promise<number[]> {
  const text = await runtimeCommandPatiently(instance.paths.masterSocket, 'show proc');
  return parseShowProc(text).workers.map((worker) => worker.pid);
}

async function currentWorkers(instance: HaproxyInstance): Promise<{ pid: number }[]> {
  return parseShowProc(await runtimeCommand(instance.paths.masterSocket, 'show proc')).workers.filter((worker) => worker.current);
}

/** Stops HAProxy: a graceful stop (SIGUSR1: finish requests), then SIGKILL to the process group after `graceMs`. */
export async function stopHaproxy(pid: number, graceMs = 10_000): Promise<void> {
  signalGroup(pid, 'SIGUSR1');
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(50);
  signalGroup(pid, 'SIGKILL');
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

export function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ') || '(empty)';
  } catch {
    return '(no log)';
  }
}
