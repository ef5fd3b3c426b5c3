import { describe, expect, it } from 'vitest';
import { createLatencyTest, groupScores } from './latency-test.ts';
import { mulberry32, sampleNormal, type Random } from '../../../bench/stats/random.ts';

const limit = (s: number) => s + Math.max(0.1 * s, 10);
const BET_FRACTIONS = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9];

/** Lognormal latencies around a 20 ms median, shifted by `plusMs`, times `scale`. */
const latencies = (random: Random, count: number, plusMs = 0, scale = 1) =>
  Array.from({ length: count }, () => scale * 20 * Math.exp(0.5 * sampleNormal(random)) + plusMs);

describe('groupScores', () => {
  it('pairs each canary sample with its own share of stable samples', () => {
    // Worked by hand, τ(s) = s + max(0.1·s, 10):
    //   30 vs 10, 20, 25 (τ = 20, 30, 35): slower, tie, faster → 3/6 = 0.5
    //   12 vs 5, 40      (τ = 15, 50):     faster, faster      → 0
    //   50 vs 18, 7      (τ = 28, 17):     slower, slower      → 1
    const tally = groupScores({ canary: [30, 12, 50], stable: [10, 20, 25, 5, 40, 18, 7] }, limit);
    expect(Object.fromEntries(tally)).toEqual({ 0.5: 1, 0: 1, 1: 1 });
  });

  it('pairs the other way round when the canary has more samples', () => {
    const tally = groupScores({ canary: [100, 100, 1], stable: [20] }, limit);
    expect(Object.fromEntries(tally)).toEqual({ [2 / 3]: 1 });
  });
});

describe('createLatencyTest', () => {
  it('bets the group scores: e-value = ½ × the mean over λ = 2f of (1)(1 − λ/2)(1 + λ/2) + ½ × 1 (the recent bettor waits for a first batch)', () => {
    const verdict = createLatencyTest().update({ canary: [30, 12, 50], stable: [10, 20, 25, 5, 40, 18, 7] });
    const expected = 0.5 * (BET_FRACTIONS.reduce((sum, f) => sum + (1 - f * f), 0) / BET_FRACTIONS.length) + 0.5;
    expect(verdict.evidence).toBeCloseTo(expected, 12);
    expect(verdict.slowerShare).toBeCloseTo(0.5, 12);
  });

  it('fails within two seconds when the canary is 50 ms slower at 12 vs 48 requests a second', () => {
    const random = mulberry32(1);
    const test = createLatencyTest();
    const decisions = Array.from({ length: 2 }, () => test.update({ canary: latencies(random, 12, 50), stable: latencies(random, 48) }).decision);
    expect(decisions).toContain('fail');
    expect(test.verdict().explanation).toMatch(/credibly more often than not slower than stable by more than 10% and 10 ms/);
  });

  it('passes a canary with the same latencies as stable', () => {
    const random = mulberry32(2);
    const test = createLatencyTest();
    for (let second = 0; second < 10; second++) test.update({ canary: latencies(random, 12), stable: latencies(random, 48) });
    expect(test.verdict().decision).toBe('pass');
    expect(Math.abs(test.verdict().stable.p50 / 20 - 1)).toBeLessThan(0.1);
  });

  it('fails at most alpha of the time when the canary is exactly 10 ms slower, the edge of the tolerance', () => {
    const random = mulberry32(3);
    let falseFails = 0;
    for (let run = 0; run < 300; run++) {
      const test = createLatencyTest({ alpha: 0.1 });
      for (let second = 0; second < 60; second++) {
        if (test.update({ canary: latencies(random, 12, 10), stable: latencies(random, 48) }).decision === 'fail') {
          falseFails++;
          break;
        }
      }
    }
    expect(falseFails / 300).toBeLessThan(0.1);
  });

  it('refuses a latency that is not a number of milliseconds, naming the side', () => {
    expect(() => createLatencyTest().update({ canary: [10, Number.NaN], stable: [10] })).toThrow(/canary latencies must be finite milliseconds >= 0; got NaN/);
  });

  it('does not fail a healthy canary when both sides slow down together over time', () => {
    const random = mulberry32(4);
    const test = createLatencyTest();
    for (let second = 0; second < 120; second++) {
      const scale = 1 + second / 30;
      test.update({ canary: latencies(random, 12, 0, scale), stable: latencies(random, 48, 0, scale) });
    }
    expect(test.verdict().decision).not.toBe('fail');
  });
});
