import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY } from './retry.ts';

describe('backoffDelay', () => {
  it('doubles from 500ms, keeping between half and all of each step', () => {
    const lowest = [1, 2, 3, 4].map((attempt) => backoffDelay(attempt, DEFAULT_RETRY, () => 0));
    const highest = [1, 2, 3, 4].map((attempt) => backoffDelay(attempt, DEFAULT_RETRY, () => 0.999999));
    expect(lowest).toEqual([250, 500, 1000, 2000]);
    expect(highest).toEqual([500, 1000, 2000, 4000]);
  });

  it('never waits longer than maxDelayMs', () => {
    expect(backoffDelay(20, { ...DEFAULT_RETRY, maxDelayMs: 8000 }, () => 0.999999)).toBe(8000);
  });
});
