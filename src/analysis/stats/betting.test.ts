import { describe, expect, it } from 'vitest';
import { createMeanBets } from './betting.ts';
import { mulberry32 } from '../../../bench/stats/random.ts';

describe('createMeanBets', () => {
  it('is the mean over the bet grid of the products of 1 + λ(x − m)', () => {
    // By hand: λ = fraction × 1/m with m = 0.5, values 1, 1, 0.
    const fractions = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9];
    const expected = fractions.reduce((sum, f) => sum + (1 + 2 * f * 0.5) ** 2 * (1 - 2 * f * 0.5), 0) / fractions.length;
    const bets = createMeanBets(0.5, 'above');
    bets.observe(1, 2);
    bets.observe(0);
    expect(Math.exp(bets.logEvidence())).toBeCloseTo(expected, 12);
  });

  it('bets the other way for "below"', () => {
    const bets = createMeanBets(0.5, 'below');
    bets.observe(0, 30);
    expect(bets.logEvidence()).toBeGreaterThan(Math.log(100));
  });

  it('crosses 1/alpha at most alpha of the time when the mean is exactly the null mean', () => {
    // 2000 seeded runs of 500 fair coin flips; alpha = 0.05.
    const random = mulberry32(5);
    let crossings = 0;
    for (let run = 0; run < 2000; run++) {
      const bets = createMeanBets(0.5, 'above');
      for (let i = 0; i < 500; i++) {
        bets.observe(random() < 0.5 ? 1 : 0);
        if (bets.logEvidence() >= Math.log(20)) {
          crossings++;
          break;
        }
      }
    }
    expect(crossings / 2000).toBeLessThan(0.05);
  });

  it('refuses values outside [0, 1]', () => {
    expect(() => createMeanBets(0.5, 'above').observe(2)).toThrow(/values in \[0, 1\]/);
  });
});
