import type { Deployment } from '../core/deployment.ts';
import { messageOf } from '../core/errors.ts';
import type { Fence } from '../engine/fence.ts';
import type { AlertDispatcher } from '../monitoring/alerts/index.ts';
import type { Logger } from '../monitoring/logger.ts';
import type { Store, StoredEvent } from '../store/index.ts';

/** At most this many events are read back when a term starts; older ones' alerts are not sent (a warning says how many). */
export const CATCH_UP_LIMIT = 10_000;
const PAGE = 1_000;

interface Term {
  token: number;
  /** The last event this term looked at. */
  handledThrough: number;
  /** The last position this term wrote to the claims row. */
  written: number;
}

/**
 * Alerts on control-plane replicas: the leader sends every event's alerts,
 * whoever wrote the event, and across a change of leader each event's
 * alerts go out once (store/alert-claims.ts).
 *
 * Invariants, and the code that keeps each:
 * - Only a term that entered the claims row sends, and only the alerts of
 *   an event it claimed (`handle`): a deposed leader's token is lower than
 *   its successor's, so it claims nothing even before it knows it lost.
 * - A term starts where the last claim ended (`lead`): events the previous
 *   leader wrote but had not handled when it died are read back and handled,
 *   at most CATCH_UP_LIMIT of them.
 * - Events are handled in sequence order, each once per term (`observe`
 *   skips what the term has looked at; the feed brings them in order).
 * - An event that raises no alert is not claimed on its own; the position
 *   is written at each `checkpoint`, so a new term reads back at most what
 *   came after the last one.
 * What is left: a leader that dies between a claim and its send loses that
 * event's alerts (at most once, never twice).
 */
export class LeaderAlerts {
  private term: Term | null = null;
  /** This replica's own writes, with the deployment as it was before them, until the feed brings them. */
  private readonly befores = new Map<number, Deployment | null>();

  constructor(
    private readonly store: Pick<Store, 'deployments' | 'alertClaims'>,
    private readonly fence: Fence,
    private readonly dispatcher: Pick<AlertDispatcher, 'alertsFor' | 'send'>,
    private readonly log: Logger,
  ) {}

  /** An event this replica wrote, with its deployment as it was before (it has it; another replica's is folded from the store). */
  own(event: StoredEvent, before: Deployment | null): void {
    this.befores.set(event.seq, before);
  }

  /** Every event in the store, in sequence order, from the store's feed. */
  observe(event: StoredEvent): void {
    const before = this.takeBefore(event);
    if (!this.term || event.seq <= this.term.handledThrough || !this.fence.leads()) return;
    this.handle(this.term, event, before);
  }

  /** This replica leads with fencing token `token`: it takes the claims row and handles what came after the last claim. */
  lead(token: number): void {
    let from: number | null;
    try {
      from = this.store.alertClaims.enter(token);
    } catch (error) {
      this.log.error({ err: messageOf(error) }, 'could not take on alerts as the new leader; events written meanwhile are not alerted on');
      return;
    }
    if (from === null) {
      this.log.warn({ token }, 'a newer leader took on alerts already; this replica sends none');
      return;
    }
    const term: Term = { token, handledThrough: from, written: from };
    this.term = term;
    const newest = this.store.deployments.lastSeq();
    if (newest - from > CATCH_UP_LIMIT) {
      this.log.warn({ from, newest, skipped: newest - from - CATCH_UP_LIMIT }, `more than ${CATCH_UP_LIMIT} events were written since alerts were last claimed; the alerts of the older ones are not sent`);
      term.handledThrough = newest - CATCH_UP_LIMIT;
    }
    while (this.term === term && term.handledThrough < newest && this.fence.leads()) {
      const page = this.store.deployments.eventsAfter(term.handledThrough, {}, PAGE).filter((event) => event.seq <= newest);
      if (!page.length) break;
      for (const event of page) this.handle(term, event, this.takeBefore(event));
    }
    this.checkpoint();
  }

  /** This replica follows: it sends nothing until it leads again. */
  follow(): void {
    this.term = null;
  }

  /** Writes how far this term has looked, so a successor reads back less (run every few seconds). */
  checkpoint(): void {
    const term = this.term;
    if (!term || term.handledThrough <= term.written || !this.fence.leads()) return;
    try {
      if (!this.store.alertClaims.claim(term.handledThrough, term.token)) return this.deposed(term);
      term.written = term.handledThrough;
    } catch (error) {
      this.log.warn({ err: messageOf(error) }, 'could not record how far alerts were handled; a new leader may read back more events');
    }
  }

  private handle(term: Term, event: StoredEvent, before: Deployment | null | undefined): void {
    term.handledThrough = event.seq;
    let alerts;
    try {
      alerts = this.dispatcher.alertsFor(event, before === undefined ? this.folded(event) : before);
    } catch (error) {
      this.log.error({ err: messageOf(error), seq: event.seq }, 'could not read the deployment an event changed; its alerts are not sent');
      return;
    }
    if (!alerts.length) return;
    let claimed = false;
    try {
      claimed = this.store.alertClaims.claim(event.seq, term.token);
    } catch (error) {
      this.log.error({ err: messageOf(error), seq: event.seq }, 'could not claim the alerts of an event; they are not sent');
      return;
    }
    if (!claimed) return this.deposed(term);
    term.written = event.seq;
    this.dispatcher.send(alerts).catch((error: unknown) => this.log.error({ err: messageOf(error) }, 'alert dispatch failed'));
  }

  /** The claims row refused this term: a newer leader holds it (or handled this event). */
  private deposed(term: Term): void {
    if (this.term !== term) return;
    this.term = null;
    this.log.warn({ token: term.token }, 'another leader has taken on alerts; this replica sends none until it leads again');
  }

  /** The deployment as it was before an event of another replica: folded from the events before it. */
  private folded(event: StoredEvent): Deployment | null {
    return event.deployment === null ? null : this.store.deployments.stateBefore(event.deployment, event.seq);
  }

  /** This replica's record of the deployment before its own event, if it wrote it; forgets what the feed has passed. */
  private takeBefore(event: StoredEvent): Deployment | null | undefined {
    const own = this.befores.has(event.seq);
    const kept = this.befores.get(event.seq) ?? null;
    // Sequence numbers grow, so what is at or below this one was delivered, or rolled back and never will be.
    for (const seq of this.befores.keys()) {
      if (seq > event.seq) break;
      this.befores.delete(seq);
    }
    return own ? kept : undefined;
  }
}
