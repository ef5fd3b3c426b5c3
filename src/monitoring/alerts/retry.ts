/** How a sink is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. @default 5 */
  attempts: number;
  /** The wait before the second attempt; each later one doubles it. @default 500 */
  baseDelayMs: number;
  /** No wait is longer than this. @default 30000 */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * The wait after failed attempt `attempt` (1-based): exponential, with half
 * of it random ("equal jitter") so sinks that failed together do not all
 * retry at the same instant, yet never retry at once.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
