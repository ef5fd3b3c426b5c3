import { describe, expect, it } from 'vitest';
import { logChoose, logGamma } from './gamma.ts';

// Reference values from SciPy 1.17.1:
//   python3 -c "from scipy.special import gammaln; print(gammaln(x))"
const SCIPY_GAMMALN: [number, number][] = [
  [0.5, 0.5723649429247],
  [1, 0],
  [1.5, -0.12078223763524526],
  [2.5, 0.2846828704729192],
  [10, 12.801827480081469],
  [100.5, 361.43554046777757],
  [0.001, 6.907178885383853],
  [1234.5678, 7551.033504440955],
];

describe('logGamma', () => {
  it.each(SCIPY_GAMMALN)('matches scipy.special.gammaln(%d)', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 11);
  });

  it('gives ln((n-1)!) for integers', () => {
    expect(logGamma(7)).toBeCloseTo(Math.log(720), 12);
  });

  it('refuses x <= 0, where the binomial code never needs it', () => {
    expect(() => logGamma(0)).toThrow(/x > 0/);
  });
});

describe('logChoose', () => {
  it('gives ln C(50, 7) = ln 99884400', () => {
    expect(logChoose(50, 7)).toBeCloseTo(Math.log(99884400), 10);
  });

  it('is -Infinity outside 0..n', () => {
    expect(logChoose(5, 6)).toBe(-Infinity);
  });
});
