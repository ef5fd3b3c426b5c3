import { LOG_SHARE_ALL } from './config-file.ts';

/**
 * Log lines per second per service, while it is judged (someone reads its
 * samples or counters: haproxy-router.ts), above which HAProxy logs only a
 * share of its answers. Below it (every judged canary in the tests and benches runs
 * at 300–1,000 req/s) every answer is logged, as behind the built-in router.
 * Above it the judge still gets about this many samples a second, a uniform
 * draw of the answers, which is more than its sequential tests need; and
 * neither HAProxy nor the control plane pays a line for every request
 * (`npm run bench:router`, loaded machine: a line cost HAProxy 5–10 µs and
 * the control plane's reader 5–50 µs, the most when lines come one per
 * read, against 15–20 µs for plain HAProxy's whole request).
 */
export const LOG_LINES_PER_SECOND = 1_000;
/** The sparsest share while the service is judged: one answer in 64 (16 of 1,024). */
export const MIN_LOG_SHARE = LOG_SHARE_ALL / 64;
/**
 * Log lines per second per service while nobody reads its samples or
 * counters (no analysis judges it, nobody asks for its stats): enough to
 * keep the counters an unbiased estimate, the request rate known (the share
 * is chosen from it) and each instance's first answer seen (the samples'
 * instance age), at a cost HAProxy hardly notices (a line costs it about
 * 30 µs; at 40,000 req/s one answer in 1,024 is about 0.03 µs per request).
 * A judge that starts reading raises the share at once (haproxy-router.ts).
 */
export const IDLE_LOG_LINES_PER_SECOND = 50;
/** The sparsest share while nobody reads: one answer in 1,024. */
export const MIN_IDLE_LOG_SHARE = 1;

/**
 * The share of answers (out of LOG_SHARE_ALL) to log next, from the share
 * in force and the request rate (every request, not only the lines logged).
 * Shares are halvings of LOG_SHARE_ALL, so a line's weight is a whole number.
 * A rising rate lowers the share at once; a falling one raises it only as
 * far as the lines stay under half the target, so a rate near a boundary
 * does not flip the share every second.
 */
export function nextLogShare(current: number, requestsPerSecond: number, linesPerSecond = LOG_LINES_PER_SECOND, minShare = MIN_LOG_SHARE): number {
  const lines = (share: number): number => (requestsPerSecond * share) / LOG_SHARE_ALL;
  let share = LOG_SHARE_ALL;
  while (share > minShare && lines(share) > linesPerSecond) share /= 2;
  if (share <= current || !isShare(current)) return share;
  let raised = current;
  while (raised < LOG_SHARE_ALL && lines(raised * 2) <= linesPerSecond / 2) raised *= 2;
  return raised;
}

/** A share HAProxy can be given: a halving of LOG_SHARE_ALL, not below MIN_IDLE_LOG_SHARE. */
export function isShare(share: number): boolean {
  for (let candidate = LOG_SHARE_ALL; candidate >= MIN_IDLE_LOG_SHARE; candidate /= 2) if (share === candidate) return true;
  return false;
}
