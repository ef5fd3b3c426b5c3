import { describe, expect, it } from 'vitest';
import { afterClaim, attemptEveryMs, claim, DEFAULT_TERMS, mayAct, transition, type Belief, type LeaseRow } from './lease.ts';

const terms = DEFAULT_TERMS;
const row = (holder: string, token: number, expiresAt: number, since = 0): LeaseRow => ({ holder, token, expiresAt, since });

describe('claim (the database side of the lease)', () => {
  it('gives the first claimant token 1 and an expiry one lease after the database clock', () => {
    expect(claim(null, 'a', 1000, terms)).toEqual(row('a', 1, 7000, 1000));
  });

  it('renews our own live lease with the same token and the term start kept', () => {
    expect(claim(row('a', 4, 5000, 100), 'a', 4000, terms)).toEqual(row('a', 4, 10_000, 100));
  });

  it("refuses anyone while another replica's lease is live, to the last millisecond", () => {
    expect(claim(row('a', 4, 5000), 'b', 4999, terms)).toBeNull();
  });

  it('gives an expired lease to the claimant with the next token, from the instant it expires', () => {
    expect(claim(row('a', 4, 5000), 'b', 5000, terms)).toEqual(row('b', 5, 11_000, 5000));
  });

  it('starts a new term (next token) when our own lease had expired: a side effect under the old token is stale', () => {
    expect(claim(row('a', 4, 5000), 'a', 5001, terms)).toEqual(row('a', 5, 11_001, 5001));
  });
});

describe('belief (what a replica may assume from its own clock)', () => {
  it('ends a granted claim one lease minus the margin after the claim was sent', () => {
    const belief = afterClaim(row('a', 3, 99_999), 1000, terms);
    expect(belief).toEqual({ role: 'leader', token: 3, until: 1000 + terms.durationMs - terms.marginMs });
    expect(mayAct(belief, 5999)).toBe(true);
    expect(mayAct(belief, 6000)).toBe(false);
  });

  it('makes a refused or failed claim a follower, who never acts', () => {
    expect(afterClaim(null, 1000, terms)).toEqual({ role: 'follower' });
    expect(mayAct({ role: 'follower' }, 0)).toBe(false);
  });

  it('renews a third of the way through the lease', () => {
    expect(attemptEveryMs(terms)).toBe(2000);
  });

  it('names every transition', () => {
    const follower: Belief = { role: 'follower' };
    const leader = (token: number): Belief => ({ role: 'leader', token, until: 10 });
    expect(transition(follower, follower)).toBe('still-follower');
    expect(transition(follower, leader(1))).toBe('became-leader');
    expect(transition(leader(1), leader(1))).toBe('renewed');
    expect(transition(leader(1), leader(2))).toBe('new-term');
    expect(transition(leader(1), follower)).toBe('lost');
  });
});

/** A small deterministic PRNG, so a failing schedule can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Replicas claim the lease on random schedules over one database, with
 * clocks that run at different rates from the database's, claims that take
 * a while to arrive and to be answered, answers lost, and replicas stopped
 * (SIGSTOP) for longer than the lease. At every instant at most one replica
 * may act, and the tokens of successive actors only grow.
 */
describe('the lease over random schedules (fake clocks)', () => {
  it('never lets two replicas act at once, and fencing tokens only grow', () => {
    let acted = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const random = prng(seed);
      const replicas = Array.from({ length: 2 + Math.floor(random() * 3) }, (_, i) => ({
        id: `r${i}`,
        // Monotonic clocks: any origin, a rate within ±5% of the database's (the margin covers ±16%).
        origin: random() * 1e6,
        rate: 0.95 + random() * 0.1,
        belief: { role: 'follower' } as Belief,
        stoppedUntil: 0,
        nextAttempt: random() * 2000,
      }));
      const mono = (r: (typeof replicas)[number], t: number) => r.origin + t * r.rate;
      let lease: LeaseRow | null = null;
      // Answers in flight: the row (or null) reaches the replica at `arrives`.
      const answers: { replica: number; arrives: number; granted: LeaseRow | null; startedAt: number }[] = [];
      let lastActor: { id: string; token: number } | null = null;
      for (let t = 0; t < 120_000; t += 10) {
        for (const [i, r] of replicas.entries()) {
          if (t < r.stoppedUntil) continue;
          if (random() < 0.0005) r.stoppedUntil = t + random() * 15_000; // SIGSTOP, up to 2.5 leases
          if (t >= r.nextAttempt) {
            r.nextAttempt = t + attemptEveryMs(terms);
            const startedAt = mono(r, t);
            // The claim reaches the database up to 300 ms later; the answer takes as long again, or is lost.
            const arrives = t + random() * 300;
            const granted = claim(lease, r.id, arrives, terms);
            if (granted) lease = granted;
            if (random() > 0.05) answers.push({ replica: i, arrives: arrives + random() * 300, granted, startedAt });
          }
        }
        for (let a = answers.length - 1; a >= 0; a--) {
          const answer = answers[a]!;
          const r = replicas[answer.replica]!;
          if (answer.arrives > t || t < r.stoppedUntil) continue;
          answers.splice(a, 1);
          r.belief = afterClaim(answer.granted, answer.startedAt, terms);
        }
        const acting = replicas.filter((r) => t >= r.stoppedUntil && mayAct(r.belief, mono(r, t)));
        // Checked by hand (not with expect) on every tick: the loop runs a few million ticks.
        if (acting.length > 1) throw new Error(`seed ${seed} at ${t} ms: ${acting.map((r) => r.id).join(', ')} act at once`);
        const actor = acting[0];
        if (actor && actor.belief.role === 'leader') {
          const token = actor.belief.token;
          const older = lastActor && (lastActor.id !== actor.id ? token <= lastActor.token : token < lastActor.token);
          if (older) throw new Error(`seed ${seed} at ${t} ms: ${actor.id} acts with token ${token} after ${lastActor!.id} acted with ${lastActor!.token}`);
          lastActor = { id: actor.id, token };
          acted++;
        }
      }
    }
    // The schedules did elect leaders (a check that cannot pass vacuously).
    expect(acted).toBeGreaterThan(100 * 1000);
  });
});
