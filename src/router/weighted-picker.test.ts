import { describe, expect, it } from 'vitest';
import { WeightedPicker, sameWeights } from './weighted-picker.ts';

describe('WeightedPicker', () => {
  it('gives each revision exactly its share over a cycle, spread out', () => {
    const picker = new WeightedPicker({ 1: 90, 2: 10 });
    const picks = Array.from({ length: 100 }, () => picker.next());

    expect(picks.filter((revision) => revision === 2)).toHaveLength(10);
    // Spread out: never two canary picks in a row.
    expect(picks.some((revision, i) => revision === 2 && picks[i + 1] === 2)).toBe(false);
  });

  it('ignores revisions at weight 0 and picks nothing without weights', () => {
    expect(Array.from({ length: 10 }, () => new WeightedPicker({ 1: 100, 2: 0 }).next())).toEqual(Array(10).fill(1));
    expect(new WeightedPicker({}).next()).toBeUndefined();
  });

  it('sameWeights treats a missing revision like weight 0', () => {
    expect(sameWeights({ 1: 100, 2: 0 }, { 1: 100 })).toBe(true);
    expect(sameWeights({ 1: 90, 2: 10 }, { 1: 100 })).toBe(false);
  });
});
