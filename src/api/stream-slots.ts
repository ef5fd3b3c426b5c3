import { CutoverError, ErrorCode } from '../core/errors.ts';

/**
 * Open event streams per identity (issue 9, finding 11: one identity held
 * 2,000 open). A stream takes a slot before it starts and gives it back when
 * it ends, however it ends; the one past the cap is refused with 429.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(readonly perIdentity: number) {}

  /** Takes a slot for `user`, or throws TooManyRequests; the returned function frees it (once). */
  take(user: string): () => void {
    const count = this.open.get(user) ?? 0;
    if (count >= this.perIdentity) {
      throw new CutoverError(
        ErrorCode.TooManyRequests,
        `user ${user} already holds ${count} open event streams, the limit (limits.eventStreamsPerIdentity in the server config); close one (each dashboard tab and each --wait or --follow of the CLI holds one) and try again`,
        { context: { user, limit: this.perIdentity } },
      );
    }
    this.open.set(user, count + 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const left = (this.open.get(user) ?? 1) - 1;
      if (left <= 0) this.open.delete(user);
      else this.open.set(user, left);
    };
  }

  /** How many streams `user` holds open now. */
  held(user: string): number {
    return this.open.get(user) ?? 0;
  }
}
