import { formatDuration } from '../core/duration.ts';
import type { ServiceRef } from '../core/types.ts';
import { UsageError, WaitTimedOut } from './exit.ts';

/**
 * `--timeout`, checked when the command starts and started when the wait
 * does (an upload before `apply --wait` follows is not part of it). The
 * starter returns the signal that ends the wait, aborted with a WaitTimedOut
 * (exit 124) whose message is `then`: what goes on and how to look at it;
 * none when no --timeout was given. A --timeout without the flag that waits
 * (`flag`) limits nothing: a usage error.
 */
export function waitLimit(timeoutMs: number | undefined, waiting: boolean, flag: string): (then: string) => AbortSignal | undefined {
  if (timeoutMs !== undefined && !waiting) throw new UsageError(`--timeout limits how long ${flag} waits; add ${flag}, or leave --timeout out`);
  return (then) => {
    if (timeoutMs === undefined) return undefined;
    const controller = new AbortController();
    // Unref'd: a command that finished in time exits at once instead of sitting out the timer.
    setTimeout(() => controller.abort(new WaitTimedOut(`gave up waiting after ${formatDuration(timeoutMs)} (--timeout); ${then}`)), timeoutMs).unref();
    return controller.signal;
  };
}

/** The progress shown while following, with the wait's end. */
export function until<T extends object>(progress: T, signal: AbortSignal | undefined): T & { signal?: AbortSignal } {
  return signal ? { ...progress, signal } : progress;
}

/** What a timed-out wait tells the user: what it waited for goes on, and how to look at it. */
export function goesOn(ref: ServiceRef, what = 'the deployment'): string {
  return `${what} goes on: \`cutover status ${ref.service} --env ${ref.environment} --watch\` follows it`;
}
