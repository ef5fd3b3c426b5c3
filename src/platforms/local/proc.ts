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

/** Whether the process `pid` lives and its environment passes `test`. */
export function processIs(pid: number, test: (env: Map<string, string>, pid: number) => boolean): boolean {
  const env = environOf(pid);
  return !!env && test(env, pid) && isProcessAlive(pid);
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
