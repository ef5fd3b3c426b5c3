/**
 * The leadership lease, as pure logic: what the database row becomes when a
 * replica claims it, and what a replica may believe about itself from its
 * own monotonic clock. No I/O here; lease-store.ts runs `claim` inside a
 * write transaction, leadership.ts drives the timers.
 *
 * Invariants (lease.test.ts walks them):
 * 1. At most one holder of a live lease: a claim succeeds only when the row
 *    is absent, expired by the database's clock, or already ours and live.
 * 2. The fencing token only grows, and grows on every new term (every
 *    acquisition, including our own after our lease expired): a side effect
 *    stamped with an older token belongs to a deposed leader.
 * 3. A replica believes it leads only until `startedAt + duration - margin`
 *    on its own monotonic clock, where `startedAt` is read before the claim
 *    was sent. The database counted the expiry from a later instant (its own
 *    clock, when the claim arrived), so our belief ends before the lease
 *    does: a leader stopped (SIGSTOP, a long GC, a frozen VM) and woken
 *    after that instant knows it may be deposed without asking anyone.
 *    The margin absorbs the two clocks running at slightly different rates.
 */

/** The lease as stored: one row per lease name. Times are the database's clock, in ms. */
export interface LeaseRow {
  holder: string;
  /** Grows by one with every term. */
  token: number;
  expiresAt: number;
  /** When this holder's term began (its first acquisition). */
  since: number;
}

export interface LeaseTerms {
  /** How long a claim holds without renewal. */
  durationMs: number;
  /** Taken off the end of our belief, for clock-rate differences. */
  marginMs: number;
}

/** 6 s: a dead leader is replaced within 6 s + one follower attempt (2 s), inside the 10 s the issue allows. */
export const DEFAULT_TERMS: LeaseTerms = { durationMs: 6000, marginMs: 1000 };

/** How often a leader renews and a follower tries: a third of the lease, so two renewals can fail before it lapses. */
export function attemptEveryMs(terms: LeaseTerms): number {
  return Math.max(1, Math.floor(terms.durationMs / 3));
}

/**
 * What `me` may write over `row` at the database's `now`: the new row, or
 * null when another replica holds a live lease. Renewal keeps the token;
 * any other acquisition is a new term with the next token.
 */
export function claim(row: LeaseRow | null, me: string, now: number, terms: LeaseTerms): LeaseRow | null {
  const expiresAt = now + terms.durationMs;
  if (row === null) return { holder: me, token: 1, expiresAt, since: now };
  const live = row.expiresAt > now;
  if (live && row.holder !== me) return null;
  if (live) return { ...row, expiresAt };
  return { holder: me, token: row.token + 1, expiresAt, since: now };
}

/** A replica's view of itself. */
export type Belief = { role: 'follower' } | { role: 'leader'; token: number; until: number };

/**
 * The belief after a claim that was sent at `startedAt` (monotonic) and
 * answered with `granted` (the row written, or null when refused). A claim
 * that failed (the database did not answer) is a refusal: we cannot know it
 * was written, so we do not act on it.
 */
export function afterClaim(granted: LeaseRow | null, startedAt: number, terms: LeaseTerms): Belief {
  if (granted === null) return { role: 'follower' };
  return { role: 'leader', token: granted.token, until: startedAt + terms.durationMs - terms.marginMs };
}

/** Whether a replica with this belief may act at monotonic instant `now`. */
export function mayAct(belief: Belief, now: number): boolean {
  return belief.role === 'leader' && now < belief.until;
}

/** How a belief changed: what the replica must do about it. */
export type Transition = 'became-leader' | 'renewed' | 'new-term' | 'lost' | 'still-follower';

/**
 * From the belief before to the one after. A new token while we led means
 * our lease lapsed in between and we won it again: whatever we were doing
 * under the old token must be restarted as a new leader would (adoption),
 * not continued.
 */
export function transition(before: Belief, after: Belief): Transition {
  if (after.role === 'follower') return before.role === 'leader' ? 'lost' : 'still-follower';
  if (before.role === 'follower') return 'became-leader';
  return before.token === after.token ? 'renewed' : 'new-term';
}
