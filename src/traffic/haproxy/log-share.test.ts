import { describe, expect, it } from 'vitest';
import { LOG_SHARE_ALL } from './config-file.ts';
import { IDLE_LOG_LINES_PER_SECOND, isShare, LOG_LINES_PER_SECOND, MIN_IDLE_LOG_SHARE, MIN_LOG_SHARE, nextLogShare } from './log-share.ts';

describe('the share of answers HAProxy logs', () => {
  it('logs every answer at the rates a judged canary runs at (300-1,000 req/s)', () => {
    for (const rate of [0, 300, 500, LOG_LINES_PER_SECOND]) expect(nextLogShare(LOG_SHARE_ALL, rate)).toBe(LOG_SHARE_ALL);
  });

  it('halves the share until the lines fit the target, at once when the rate rises', () => {
    const share = nextLogShare(LOG_SHARE_ALL, 20_000);
    expect((20_000 * share) / LOG_SHARE_ALL).toBeLessThanOrEqual(LOG_LINES_PER_SECOND);
    expect((20_000 * share * 2) / LOG_SHARE_ALL).toBeGreaterThan(LOG_LINES_PER_SECOND);
    expect(isShare(share)).toBe(true);
  });

  it('never logs fewer than one answer in 64, however high the rate', () => {
    expect(nextLogShare(LOG_SHARE_ALL, 10_000_000)).toBe(MIN_LOG_SHARE);
  });

  it('raises the share only once the lines would stay under half the target, so a rate near a boundary does not flip it every second', () => {
    const low = nextLogShare(LOG_SHARE_ALL, 4 * LOG_LINES_PER_SECOND);
    expect(low).toBe(LOG_SHARE_ALL / 4);
    // A little below the boundary: the share stays.
    expect(nextLogShare(low, 3.5 * LOG_LINES_PER_SECOND)).toBe(low);
    // Well below it: raised, as far as half the target allows.
    expect(nextLogShare(low, LOG_LINES_PER_SECOND)).toBe(LOG_SHARE_ALL / 2);
    expect(nextLogShare(low, 100)).toBe(LOG_SHARE_ALL);
  });

  it('replaces a share that is not a halving of 1,024 (a hand-edited map) by the one the rate asks for', () => {
    expect(nextLogShare(100, 100)).toBe(LOG_SHARE_ALL);
    expect(isShare(100)).toBe(false);
  });

  it('while nobody judges the service, logs about 50 lines a second, down to one answer in 1,024', () => {
    const idle = (rate: number) => nextLogShare(LOG_SHARE_ALL, rate, IDLE_LOG_LINES_PER_SECOND, MIN_IDLE_LOG_SHARE);
    // A quiet service: every answer, as the counters were before.
    expect(idle(IDLE_LOG_LINES_PER_SECOND)).toBe(LOG_SHARE_ALL);
    // bench:router's rate: one answer in 1,024, about 40 lines a second.
    expect(idle(40_000)).toBe(MIN_IDLE_LOG_SHARE);
    expect(isShare(MIN_IDLE_LOG_SHARE)).toBe(true);
    // Always fewer lines than while judged, at any rate.
    for (const rate of [100, 300, 1_000, 5_000, 40_000]) expect(idle(rate)).toBeLessThanOrEqual(nextLogShare(LOG_SHARE_ALL, rate));
  });

  it('a judge starting to read gets the judged share for the rate at once, without the hysteresis (NaN: from scratch)', () => {
    expect(nextLogShare(NaN, 4 * LOG_LINES_PER_SECOND)).toBe(LOG_SHARE_ALL / 4);
    expect(nextLogShare(NaN, 100)).toBe(LOG_SHARE_ALL);
  });
});
