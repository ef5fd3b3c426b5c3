import { setTimeout as timer } from 'node:timers/promises';
import { MAX_TIMER_MS } from './duration.ts';

/**
 * Waits `ms` (any length) without handing a timer more than MAX_TIMER_MS:
 * a longer wait is a chain of shorter timers. Rejects with the signal's
 * reason when it is aborted, like `timers/promises`' setTimeout.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + Math.max(0, Number.isFinite(ms) ? ms : MAX_TIMER_MS);
  do {
    await timer(Math.min(Math.max(0, until - Date.now()), MAX_TIMER_MS), undefined, signal ? { signal } : {});
  } while (Date.now() < until);
}
