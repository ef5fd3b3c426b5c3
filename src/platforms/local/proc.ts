import { readFileSync, readdirSync, statSync } from 'node:fs';

/**
 * Reading processes from /proc. The local platform marks each process it
 * starts with environment variables, and recognises them by those marks:
 * that survives a restart of the control plane and is immune to pid reuse.
 */

export function environOf(pid: number): Map<string, string> | null {
  try {
    const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
    const env = new Map<string, string>();
    for (const entry of raw.split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    return env;
  } catch {
    return null;
  }
}

/** True when the process exists and is not a zombie waiting to be reaped. */
export function isProcessAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state is the field after the command name, which is in parentheses and may contain spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Live processes (other than this one) whose environment passes `test`. */
export function findProcesses(test: (env: Map<string, string>, pid: number) => boolean): { pid: number; env: Map<string, string> }[] {
  const found: { pid: number; env: Map<string, string> }[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const env = environOf(pid);
    if (env && test(env, pid) && isProcessAlive(pid)) found.push({ pid, env });
  }
  return found;
}

/** How long a live process's environment may read empty before it counts: an exec takes well under this. */
const EXEC_SETTLE_MS = 100;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Whether the process `pid` lives and its environment passes `test`.
 *
 * A live process's environment reads empty while it execs a program
 * (between the kernel installing the new memory map and writing its stack):
 * polled in a tight loop, `sh -c 'exec python3 …'` read so in 4 of 5 starts,
 * and a health check that read it once took a starting instance for one that
 * had exited (a rollback in CI). So an empty environment of a live process
 * is read again, a millisecond apart, for at most EXEC_SETTLE_MS; anything
 * else is answered at once (a kernel thread, the one live process whose
 * environment stays empty, never carries a mark).
 */
export function processIs(pid: number, test: (env: Map<string, string>, pid: number) => boolean): boolean {
  const deadline = Date.now() + EXEC_SETTLE_MS;
  for (;;) {
    const env = environOf(pid);
    if (!isProcessAlive(pid)) return false;
    if (!env) return false;
    if (env.size > 0) return test(env, pid);
    if (Date.now() >= deadline) return false;
    Atomics.wait(pause, 0, 0, 1);
  }
}

const carries = (marks: Record<string, string>) => (env: Map<string, string>) => Object.entries(marks).every(([key, value]) => env.get(key) === value);

/** Live processes whose environment has every given mark. */
export function findMarked(marks: Record<string, string>): { pid: number; env: Map<string, string> }[] {
  return findProcesses(carries(marks));
}

export function hasMarks(pid: number, marks: Record<string, string>): boolean {
  return processIs(pid, carries(marks));
}

/** The user id a process runs as (the owner of /proc/<pid>), or null when it is gone. */
export function ownerOf(pid: number): number | null {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return null;
  }
}

/** The parent process id, from /proc/<pid>/stat (the field after the state). */
export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * The outermost of marked processes: a sandboxed instance is bwrap, its
 * namespace's init and the program, all with the same environment; the one
 * the platform started (and signals) is the one whose parent is not among them.
 */
export function outermost<T extends { pid: number }>(found: T[]): T[] {
  const pids = new Set(found.map(({ pid }) => pid));
  return found.filter(({ pid }) => !pids.has(parentOf(pid) ?? -1));
}
