import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { Fence } from '../../engine/fence.ts';
import type { Logger } from '../../monitoring/logger.ts';
import { afterClaim, attemptEveryMs, DEFAULT_TERMS, mayAct, transition, type Belief, type LeaseTerms } from './lease.ts';
import type { LeaseStore } from './lease-store.ts';

type Leading = Extract<Belief, { role: 'leader' }>;

/** This replica: an id no other process ever had, and where its API answers. */
export interface Replica {
  id: string;
  url: string;
}

export function newReplicaId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** What a replica does when its role changes. */
export interface LeaderRole {
  /** Becomes the leader: adopts what runs and resumes deployments, as a restarted server does. */
  lead(token: number): Promise<void>;
  /**
   * Stops acting: timers, loops and runners, touching no instance and no
   * router. Its synchronous part runs before `follow` returns (runners are
   * told to stop at once); the promise ends when they have.
   */
  follow(reason: string): Promise<void>;
}

/**
 * Leader election by lease (lease.ts), and the fence every side effect
 * asks. A leader renews every third of the lease; a follower tries as
 * often, so a dead leader is replaced within one lease and one attempt.
 * The lease is claimed synchronously (the store's handle is synchronous),
 * so a belief never outlives the instant it was read at.
 */
export class Leadership implements Fence {
  private belief: Belief = { role: 'follower' };
  private attempts: NodeJS.Timeout | null = null;
  private expiry: NodeJS.Timeout | null = null;
  /** Role changes in order: a new term starts only once the previous one's runners have stopped. */
  private transitions: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: LeaseStore,
    readonly replica: Replica,
    private readonly role: LeaderRole,
    private readonly log: Logger,
    private readonly terms: LeaseTerms = DEFAULT_TERMS,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  start(): void {
    this.attempt();
  }

  /** The fencing token of our term, or null while we follow. */
  token(): number | null {
    return this.belief.role === 'leader' ? this.belief.token : null;
  }

  leads(): boolean {
    return mayAct(this.belief, this.clock());
  }

  check(action: string): void {
    if (this.leads()) return;
    // Our own clock says the lease may have lapsed (we were stopped, or renewals failed): stop before anything acts.
    if (this.belief.role === 'leader') this.lose('its lease may have expired (no renewal in time: the process was stopped or the store did not answer)');
    throw new CutoverError(ErrorCode.ServerUnavailable, `replica ${this.replica.id} is not the leader, so it does not ${action}; the leader does (\`cutover status\` names it)`, { retryable: true });
  }

  confirm(action: string): void {
    this.check(action);
    const token = this.token()!;
    let held = false;
    try {
      held = this.store.holds(this.replica.id, token);
    } catch (error) {
      this.log.warn({ err: messageOf(error) }, 'could not read the lease before acting');
    }
    if (held) return;
    this.lose(`the store no longer shows its lease (token ${token})`);
    throw new CutoverError(ErrorCode.ServerUnavailable, `replica ${this.replica.id} lost leadership, so it does not ${action}; the leader does (\`cutover status\` names it)`, { retryable: true });
  }

  /** Stops electing; a leader ends its term in the store so a follower takes over at its next attempt. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.attempts) clearTimeout(this.attempts);
    const token = this.token();
    if (token !== null) {
      this.lose('the server is stopping');
      await this.transitions;
      try {
        this.store.release(this.replica.id, token);
      } catch (error) {
        this.log.warn({ err: messageOf(error) }, 'could not release the lease; a follower takes over when it expires');
      }
    }
    await this.transitions;
  }

  private attempt(): void {
    if (this.stopped) return;
    const startedAt = this.clock();
    // A belief that lapsed while we were not running (SIGSTOP) ends before anything else, a renewal included.
    if (this.belief.role === 'leader' && !mayAct(this.belief, startedAt)) this.lose('its lease expired before it could renew it (the process was stopped or too slow)');
    let granted = null;
    try {
      granted = this.store.claim(this.replica, this.terms);
    } catch (error) {
      this.log.warn({ err: messageOf(error) }, 'could not claim or renew the leadership lease; trying again');
    }
    const before = this.belief;
    const after = afterClaim(granted, startedAt, this.terms);
    switch (transition(before, after)) {
      case 'still-follower':
        break;
      case 'renewed':
        this.belief = after;
        break;
      case 'lost':
        this.lose('another replica holds the lease, or the store did not answer the renewal');
        break;
      case 'new-term':
        this.lose('its term ended while it was not looking; it starts again as a new leader');
        this.gain(after as Leading);
        break;
      case 'became-leader':
        this.gain(after as Leading);
        break;
    }
    if (this.belief.role === 'leader') this.watchExpiry(this.belief);
    this.attempts = setTimeout(() => this.attempt(), attemptEveryMs(this.terms));
    this.attempts.unref();
  }

  private gain(belief: Leading): void {
    this.belief = belief;
    this.log.info({ replica: this.replica.id, token: belief.token }, 'this replica is the leader now: it adopts instances and routers and resumes deployments');
    this.transitions = this.transitions.then(async () => {
      // Lost again while the previous term was stopping: nothing to start.
      if (this.token() !== belief.token) return;
      await this.role.lead(belief.token).catch((error: unknown) => this.log.error({ err: messageOf(error) }, 'could not start leading'));
    });
  }

  /** Steps down at once: the role's synchronous part runs now, before whatever asked can act. */
  private lose(reason: string): void {
    if (this.belief.role !== 'leader') return;
    const token = this.belief.token;
    this.belief = { role: 'follower' };
    if (this.expiry) clearTimeout(this.expiry);
    this.log.warn({ replica: this.replica.id, token, reason }, `lost leadership: ${reason}; it serves as a follower (API and reads) and acts on nothing`);
    const stopping = this.role.follow(reason).catch((error: unknown) => this.log.error({ err: messageOf(error) }, 'could not stop leading cleanly'));
    this.transitions = Promise.all([this.transitions, stopping]).then(() => undefined);
  }

  /** Our own clock ends our belief even when no renewal answers at all (the store hangs). */
  private watchExpiry(belief: Leading): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = setTimeout(() => {
      if (this.belief === belief && !this.leads()) this.lose('no renewal of its lease succeeded in time');
    }, Math.max(0, belief.until - this.clock()) + 1);
    this.expiry.unref();
  }
}
