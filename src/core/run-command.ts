import { spawn } from 'node:child_process';
import { messageOf } from './errors.ts';

export type CommandOutcome =
  /**
   * The command ran and exited. `lastLine` is the last line it wrote to
   * either stream (for messages); `lastOutputLine` the last line of its
   * stdout alone (a value: stdout and stderr are two pipes, so which of them
   * was written last is a race, and a warning on stderr must not become it).
   */
  | { ran: true; code: number; lastLine: string; lastOutputLine: string }
  /** It could not start (or was refused), timed out or was stopped. */
  | { ran: false; reason: string };

/** Deployer code to run: a command for an environment, in a folder, with its variables. */
export interface SandboxedRun {
  environment: string;
  command: readonly string[];
  /** The working directory: the revision for instances, `/` for hooks and providers. */
  dir: string;
  env: Record<string, string>;
}

/** A prepared launch of deployer code: what to spawn, where, with which variables, as whom. */
export interface SpawnPlan {
  program: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
}

/** Turns a user's command into a launch isolated from the server (platforms/isolation's Sandbox implements it). */
export interface CommandSandbox {
  plan(run: SandboxedRun): SpawnPlan;
}

/**
 * Runs a user's command (an analysis check, a hook) for an environment under
 * the server's isolation, with only a few neutral variables and the given
 * ones in its environment, so no secret of the server's leaks into it; stops
 * it after `timeoutMs` or when `signal` aborts.
 */
export function runCommand(
  command: readonly string[],
  options: { sandbox: CommandSandbox; environment: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<CommandOutcome> {
  let plan: SpawnPlan;
  try {
    plan = options.sandbox.plan({ environment: options.environment, command, dir: '/', env: options.env });
  } catch (error) {
    return Promise.resolve({ ran: false, reason: messageOf(error) });
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  return new Promise((resolve) => {
    const child = spawn(plan.program, plan.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: plan.cwd,
      env: plan.env,
      ...(plan.uid !== undefined ? { uid: plan.uid } : {}),
      ...(plan.gid !== undefined ? { gid: plan.gid } : {}),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    let output = '';
    let stdout = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4096));
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      stdout = (stdout + chunk.toString()).slice(-4096);
    });
    child.stderr.on('data', keep);
    child.on('error', (error) =>
      resolve({ ran: false, reason: error.name === 'AbortError' ? (timeout.aborted ? `timed out after ${options.timeoutMs}ms` : 'stopped') : `${command[0]} could not run: ${error.message}` }),
    );
    child.on('close', (code) => {
      if (code !== null) resolve({ ran: true, code, lastLine: lastLineOf(output), lastOutputLine: lastLineOf(stdout) });
    });
  });
}

function lastLineOf(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
