import { spawn } from 'node:child_process';

export type CommandOutcome =
  /** The command ran and exited; `lastLine` is the last line it wrote (stdout or stderr). */
  | { ran: true; code: number; lastLine: string }
  /** It could not start, timed out or was stopped. */
  | { ran: false; reason: string };

/**
 * Runs a user's command (an analysis check, a hook) with only PATH, HOME and
 * the given variables in its environment, so no secret of the server's
 * leaks into it; stops it after `timeoutMs` or when `signal` aborts.
 */
export function runCommand(command: readonly string[], options: { env: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<CommandOutcome> {
  const [program, ...args] = command;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  return new Promise((resolve) => {
    const child = spawn(program!, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4096));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) =>
      resolve({ ran: false, reason: error.name === 'AbortError' ? (timeout.aborted ? `timed out after ${options.timeoutMs}ms` : 'stopped') : `${program} could not run: ${error.message}` }),
    );
    child.on('close', (code) => {
      if (code !== null) resolve({ ran: true, code, lastLine: output.trim().split('\n').at(-1) ?? '' });
    });
  });
}
