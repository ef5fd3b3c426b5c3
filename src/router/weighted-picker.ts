import type { Weights } from '../core/types.ts';

/**
 * Smooth weighted round-robin (the nginx algorithm): over every cycle of
 * picks each revision gets exactly its share, and the picks are spread out
 * rather than bunched, so a 10% canary sees every tenth request, not a burst.
 */
export class WeightedPicker {
  private readonly entries: { revision: number; weight: number; current: number }[];

  constructor(weights: Weights) {
    this.entries = Object.entries(weights)
      .filter(([, weight]) => weight > 0)
      .map(([revision, weight]) => ({ revision: Number(revision), weight, current: 0 }));
  }

  /** The revision for the next request; undefined when no revision has weight. */
  next(): number | undefined {
    let total = 0;
    let best: (typeof this.entries)[number] | undefined;
    for (const entry of this.entries) {
      entry.current += entry.weight;
      total += entry.weight;
      if (!best || entry.current > best.current) best = entry;
    }
    if (!best) return undefined;
    best.current -= total;
    return best.revision;
  }
}

/** Same weights, whatever the key order: a push that keeps them keeps the picker's rhythm. */
export function sameWeights(a: Weights, b: Weights): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if ((a[key] ?? 0) !== (b[key] ?? 0)) return false;
  return true;
}
