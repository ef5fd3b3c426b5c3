import type { AuditLog } from '../security/audit/index.ts';

export interface AnonymousFailuresOptions {
  /** How long one count runs before it is written to the audit log. @default 60_000 */
  windowMs?: number;
  /** Failures per address and window past which its further failures are answered 429 until the window ends. @default 300 */
  limit?: number;
  /** Addresses tracked at once; failures from more are counted under `other`. @default 10_000 */
  maxAddresses?: number;
  /** @default Date.now */
  now?: () => number;
}

interface Tally {
  since: number;
  last: number;
  count: number;
  statuses: Record<string, number>;
  /** At most 10 routes are named; the rest are counted in `count` only. */
  routes: Record<string, number>;
  limited: number;
}

const OTHER = 'other';

/**
 * Failed calls nobody was authenticated for (no or bad credentials, a body
 * too large before authentication), counted per remote address. One audit
 * entry per address and window says how many there were, with what statuses
 * and on which routes, so a flood of bogus requests adds a bounded number of
 * entries instead of one each. Past `limit` in a window, an address's
 * failures are answered 429 with Retry-After. Good credentials from the same
 * address still work: on one machine every client is 127.0.0.1, and a flood
 * must not lock the operators out (checking a token is one hash and one
 * lookup; an unknown signing key is refused before the body is read).
 */
export class AnonymousFailures {
  private readonly windowMs: number;
  private readonly limit: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  private tallies = new Map<string, Tally>();
  private windowStart: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly audit: AuditLog,
    options: AnonymousFailuresOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.limit = options.limit ?? 300;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
    this.windowStart = this.now();
  }

  /** Counts a failure; returns the seconds the address should wait when it is over the limit in this window, else 0. */
  count(from: string, status: number, route: string): number {
    this.rollOver();
    const key = this.tallies.has(from) || this.tallies.size < this.maxAddresses ? from : OTHER;
    const at = this.now();
    const tally = this.tallies.get(key) ?? { since: at, last: at, count: 0, statuses: {}, routes: {}, limited: 0 };
    tally.count++;
    tally.last = at;
    const over = tally.count > this.limit;
    // Past the limit the caller is answered 429, so that is what is counted.
    const answered = over ? 429 : status;
    tally.statuses[answered] = (tally.statuses[answered] ?? 0) + 1;
    if (route in tally.routes || Object.keys(tally.routes).length < 10) tally.routes[route] = (tally.routes[route] ?? 0) + 1;
    this.tallies.set(key, tally);
    // Written when the window ends even if no request comes to roll it over.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.windowMs).unref();
    if (!over) return 0;
    tally.limited++;
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - at) / 1000));
  }

  /** Writes what was counted so far (one entry per address) and starts a new window. */
  flush(): void {
    const tallies = this.tallies;
    this.tallies = new Map();
    this.windowStart = this.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [from, tally] of tallies) {
      this.audit.append({
        actor: 'anonymous',
        action: 'unauthenticated requests',
        target: 'api',
        outcome: 'denied',
        from,
        details: {
          count: tally.count,
          firstAt: new Date(tally.since).toISOString(),
          lastAt: new Date(tally.last).toISOString(),
          statuses: tally.statuses,
          routes: tally.routes,
          ...(tally.limited ? { answered429: tally.limited } : {}),
        },
      });
    }
  }

  private rollOver(): void {
    if (this.now() - this.windowStart >= this.windowMs) this.flush();
  }
}
