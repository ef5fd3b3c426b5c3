import { CommanderError } from 'commander';
import type { StatusView } from '../api/views.ts';
import { ApiError } from '../client/index.ts';
import { painter } from '../core/colour.ts';
import { CutoverError, ErrorCode, type ErrorContext, type FieldProblem } from '../core/errors.ts';

/**
 * Exit codes: 0 done, 1 the operation failed or a deployment did not succeed,
 * 2 invalid input or usage, 124 a wait ran out of its `--timeout` (as
 * timeout(1) exits; what was waited for goes on).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, timedOut: 124 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command called the wrong way (a bad value, a missing setting): always exit 2. The message says what to type instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A wait (`--wait`, `--watch`, `--follow`) ran out of its `--timeout`: exit 124. The message says what goes on and how to look at it. */
export class WaitTimedOut extends Error {
  override readonly name = 'WaitTimedOut';
}

/** How `apply --wait`, `status --watch` and the others that follow a deployment end: 0 if it succeeded, 1 if not. */
export function exitCodeOf(status: StatusView): ExitCode {
  return status.phase === 'Succeeded' ? EXIT.ok : EXIT.failed;
}

/** Prints an error the way a user can act on it and returns the exit code. */
export async function reportError(error: unknown): Promise<ExitCode> {
  // Commander has printed its own message (and help for `--help`, the version for `--version`).
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof UsageError) {
    write(error.message);
    return EXIT.usage;
  }
  if (error instanceof WaitTimedOut) {
    write(error.message);
    return EXIT.timedOut;
  }
  if (error instanceof ApiError) {
    write(error.message, await problemLines(error.problems), contextLine(error.code, error.context));
    return error.status === 400 ? EXIT.usage : EXIT.failed;
  }
  if (error instanceof CutoverError) {
    write(error.message, await problemLines(error.problems));
    // Raised in the CLI itself, before or instead of the server: about the user's input, unless the server was unreachable.
    return error.code === ErrorCode.ServerUnavailable || error.code === ErrorCode.StoreDamaged ? EXIT.failed : EXIT.usage;
  }
  write(error instanceof Error ? error.message : String(error));
  return EXIT.failed;
}

function write(message: string, ...details: (string | null)[]): void {
  process.stderr.write(`${painter(process.stderr)('red', 'error:')} ${message}\n${details.filter((d) => d).map((d) => `${d}\n`).join('')}`);
}

async function problemLines(problems: readonly FieldProblem[]): Promise<string | null> {
  if (!problems.length) return null;
  // Loaded only here: the spec module brings zod, YAML and CEL, which the CLI otherwise loads only to deploy.
  const { formatProblems } = await import('../spec/index.ts');
  return formatProblems(problems);
}

/** The server's code and context, for scripts and for searching the docs: `  (Locked; service: shop, holder: alice)`. */
function contextLine(code: string, context: ErrorContext): string | null {
  // An answer that was not a cutover error (a proxy's page) has nothing more to say.
  if (code === ApiError.UNKNOWN_CODE && !Object.keys(context).length) return null;
  const fields = Object.entries(context)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}: ${(typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 200)}`);
  return `  (${[code, fields.join(', ')].filter(Boolean).join('; ')})`;
}
