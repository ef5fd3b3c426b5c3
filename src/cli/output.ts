import { CutoverError } from '../core/errors.ts';
import { formatProblems } from '../spec/index.ts';
import { ApiError } from './client.ts';

/** Exit codes: 0 done, 1 the operation failed or a deployment did not succeed, 2 invalid input or usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A plain table with aligned columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Prints an error the way a user can act on it and returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof ApiError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.problems.length) process.stderr.write(`${formatProblems(error.problems)}\n`);
    return error.status === 400 ? EXIT.usage : EXIT.failed;
  }
  if (error instanceof CutoverError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.problems.length) process.stderr.write(`${formatProblems(error.problems)}\n`);
    // Raised in the CLI itself, before or instead of the server: about the user's input, unless the server was unreachable.
    return error.code === 'ServerUnavailable' ? EXIT.failed : EXIT.usage;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
}

export function weightsText(weights: Record<string, number>): string {
  const entries = Object.entries(weights);
  return entries.length ? entries.map(([revision, weight]) => `r${revision}=${weight}%`).join(' ') : 'none';
}
