import { describe, expect, it } from 'vitest';
import { binomialCdf, binomialLogPmf, clopperPearsonInterval } from './binomial.ts';

describe('the binomial distribution', () => {
  // python3 -c "from scipy.stats import binom; print(binom.logpmf(7,50,0.2))"  (SciPy 1.17.1)
  it('gives ln P(X = 7) for Binomial(50, 0.2) as scipy does', () => {
    expect(binomialLogPmf(7, 50, 0.2)).toBeCloseTo(-2.4417140182807415, 12);
  });

  // python3 -c "from scipy.stats import binom; print(binom.cdf(3,20,0.1), binom.cdf(30,1000,0.02))"
  it('gives the CDF as scipy does', () => {
    expect(binomialCdf(3, 20, 0.1)).toBeCloseTo(0.8670466765656649, 12);
    expect(binomialCdf(30, 1000, 0.02)).toBeCloseTo(0.9873522516538874, 12);
  });

  it('handles the degenerate rates 0 and 1', () => {
    expect(binomialLogPmf(0, 10, 0)).toBe(0);
    expect(binomialLogPmf(10, 10, 1)).toBe(0);
    expect(binomialLogPmf(3, 10, 0)).toBe(-Infinity);
  });
});

describe('clopperPearsonInterval', () => {
  // python3 -c "from scipy.stats import binomtest; ci = binomtest(x, n).proportion_ci(0.95, 'exact'); print(ci.low, ci.high)"
  const SCIPY_EXACT: [number, number, number, number][] = [
    [0, 1000, 0, 0.003682083896639526],
    [3, 1000, 0.0006190999316499173, 0.008742023238657654],
    [17, 60, 0.17450528351404976, 0.41443606894994406],
    [50, 50, 0.9288782635357954, 1],
  ];

  it.each(SCIPY_EXACT)('matches scipy binomtest(%d, %d).proportion_ci(exact)', (x, n, low, high) => {
    const interval = clopperPearsonInterval(x, n);
    expect(interval.low).toBeCloseTo(low, 10);
    expect(interval.high).toBeCloseTo(high, 10);
  });

  it('refuses more successes than trials', () => {
    expect(() => clopperPearsonInterval(3, 2)).toThrow(/successes <= trials/);
  });
});
