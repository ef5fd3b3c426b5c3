/**
 * Turns of the server's one thread, shared by the engine and the API. The
 * store is synchronous (src/store/sql/port.ts), so an engine chain holds the
 * thread for every statement it runs until it awaits something. Router
 * pushes come in bursts (instances of many services turning ready, a
 * supervision pass), each a few round trips on PostgreSQL, and a status
 * request arriving meanwhile waited for the whole burst (bench:scale,
 * 1,000 services, 10 deployments in flight: API p99 0.5-0.9 s on
 * PostgreSQL, the list's 0.13 s on SQLite).
 *
 * So a push passes through `turn()` first (engine/routing.ts): once the
 * engine has run for a slice (SLICE_MS) since the last turn began, it waits
 * for the next turn, which begins after the event loop has served its I/O
 * (the API's requests); within a slice it goes on at once. All the chains
 * waiting share one next turn and one slice: the first to resume spends
 * it, and the others, finding it spent at their next turn(), wait again.
 * A turn at the top of each deployment runner's loop as well was measured
 * too: the API's p99 no better, the steps' p99 two to three times worse
 * (each step then waits a turn per unit of its work behind every other).
 */
import { setImmediate } from 'node:timers';

/** How long engine chains may hold the thread before the API's requests are served. */
export const SLICE_MS = 10;

export class FairTurns {
  private sliceStarted = -Infinity;
  private next: Promise<void> | null = null;

  constructor(private readonly sliceMs: number) {}

  /** Resolves at once within a slice, else at the next turn (after the event loop's I/O). */
  turn(): Promise<void> {
    if (performance.now() - this.sliceStarted < this.sliceMs) return Promise.resolve();
    this.next ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.next = null;
        this.sliceStarted = performance.now();
        resolve();
      }),
    );
    return this.next;
  }
}

/** The engine's turns: one per server process, as there is one thread. */
const engine = new FairTurns(SLICE_MS);

export function turn(): Promise<void> {
  return engine.turn();
}
