/**
 * The batches of the last `seconds` (the batch that is being judged is added
 * only after it was judged): what the tests estimate their next bet from.
 * Estimates made from the past alone keep each batch's factor a conditional
 * e-value (a "predictable" bet), so the e-process stays valid.
 */
export class RecentWindow<T> {
  private readonly entries: { seconds: number; value: T }[] = [];
  private covered = 0;

  constructor(private readonly seconds: number) {}

  add(seconds: number, value: T): void {
    this.entries.push({ seconds, value });
    this.covered += seconds;
    // Keep the newest batches that cover the window (the oldest one may reach past it).
    while (this.entries.length > 1 && this.covered - this.entries[0]!.seconds >= this.seconds) this.covered -= this.entries.shift()!.seconds;
  }

  values(): T[] {
    return this.entries.map((entry) => entry.value);
  }

  get size(): number {
    return this.entries.length;
  }
}
