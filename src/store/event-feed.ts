import type { Db } from './database.ts';
import { Dialect, LISTENER_STATE_CHANNEL } from './sql/index.ts';

/** The channel an event's sequence number is sent on (PostgreSQL NOTIFY), when its transaction commits. */
export const EVENTS_CHANNEL = 'cutover_events';

/**
 * How often the feed reads the store for events nobody told it about. On
 * SQLite, replicas share a file and no notification crosses processes: this
 * read is how another replica's events arrive (one indexed range read that
 * usually finds nothing). On PostgreSQL, NOTIFY tells at once; the read
 * only bounds the delay when a notification is lost.
 */
export const FEED_POLL_MS: Record<Dialect, number> = { [Dialect.Sqlite]: 250, [Dialect.Postgres]: 2000 };

/** Called with each event once, in sequence order. */
export type FeedListener<E> = (event: E) => void;

/**
 * Every event in the store, whoever wrote it (this server or another replica
 * on the same store), in sequence order and each once.
 *
 * The feed never takes an event from a notification or a local write: those
 * only say "something after sequence N is there". It then reads the rows
 * after the last sequence it delivered. So a lost notification, or a LISTEN
 * connection that was down, only delays an event until the next one, the
 * reconnection or the next poll, and a rolled-back write is never delivered.
 * This relies on sequence numbers becoming visible in order, which holds
 * because every write transaction takes the store's one write lock
 * (sql/port.ts) before it inserts an event.
 *
 * It runs only while someone listens: the first listener starts it from the
 * newest event (what was before is the listener's backlog to read), the last
 * one to leave stops it.
 */
export class EventFeed<E extends { seq: number }> {
  private readonly listeners = new Set<FeedListener<E>>();
  /** The last sequence number delivered; 0 while stopped. */
  private delivered = 0;
  private running: { stop(): void } | null = null;
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly read: (after: number) => E[],
    private readonly newest: () => number,
    private readonly pollMs = FEED_POLL_MS[db.dialect],
  ) {}

  /** Calls `listener` with every event stored from now on; returns the way to stop. */
  subscribe(listener: FeedListener<E>): () => void {
    if (!this.running) this.start();
    this.listeners.add(listener);
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.stop();
    };
  }

  /** An event up to `seq` was committed (here or elsewhere): read what is new, soon. Without `seq`: look anyway. */
  poke(seq?: number): void {
    if (!this.running || this.scheduled || (seq !== undefined && seq <= this.delivered)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private start(): void {
    this.delivered = this.newest();
    const stops: (() => void)[] = [];
    if (this.db.dialect === Dialect.Postgres) {
      try {
        stops.push(this.db.listen(EVENTS_CHANNEL, (payload) => this.poke(Number(payload) || undefined)));
        // The LISTEN connection was down: what was notified meanwhile is read from the last sequence delivered.
        stops.push(this.db.listen(LISTENER_STATE_CHANNEL, (state) => state === 'back' && this.poke()));
      } catch (error) {
        // PostgreSQL unreachable: the subscriber gets the error (its own message names the server), nothing stays listening.
        for (const stop of stops) stop();
        throw error;
      }
    }
    const timer = setInterval(() => this.poke(), this.pollMs);
    timer.unref();
    this.running = {
      stop: () => {
        clearInterval(timer);
        for (const stop of stops) stop();
      },
    };
  }

  private stop(): void {
    const running = this.running;
    this.running = null;
    this.delivered = 0;
    try {
      running?.stop();
    } catch {
      // Closed store (the server is stopping): nothing is listening any more either way.
    }
  }

  private drain(): void {
    try {
      for (let batch = this.read(this.delivered); batch.length && this.running; batch = this.read(this.delivered)) {
        for (const event of batch) {
          if (!this.running) return;
          this.delivered = event.seq;
          for (const listener of [...this.listeners]) {
            try {
              listener(event);
            } catch {
              // A listener's failure is its own to report (each catches and logs); the others still get the event.
            }
          }
        }
      }
    } catch {
      // The store could not be read (PostgreSQL unreachable, or closed while stopping): nothing was skipped, the next
      // poke or poll reads again from the last sequence delivered. A store that cannot be read fails the API loudly.
    }
  }
}
