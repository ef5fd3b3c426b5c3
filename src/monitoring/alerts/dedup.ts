/**
 * Remembers alert ids for a window, so a condition seen again (every timer
 * tick, or an event replayed after a restart) is sent once.
 */
export class DedupWindow {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** True the first time an id is offered within the window, and records it; false for a repeat. */
  admit(id: string): boolean {
    const now = this.now();
    this.forgetOlderThan(now - this.windowMs);
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }

  /** Map order is insertion order, which is time order here, so pruning stops at the first recent entry. */
  private forgetOlderThan(cutoff: number): void {
    for (const [id, at] of this.seen) {
      if (at > cutoff) break;
      this.seen.delete(id);
    }
  }
}
