import { describe, expect, it } from 'vitest';
import { normalQuantile } from './normal.ts';

// Reference values from SciPy 1.17.1:
//   python3 -c "from scipy.stats import norm; print(norm.ppf(p))"
const SCIPY_NORM_PPF: [number, number][] = [
  [1e-10, -6.361340902404056],
  [0.001, -3.090232306167813],
  [0.01, -2.3263478740408408],
  [0.025, -1.9599639845400545],
  [0.3, -0.5244005127080409],
  [0.5, 0],
  [0.9, 1.2815515655446004],
  [0.99, 2.3263478740408408],
  [0.999999, 4.753424308817087],
];

describe('normalQuantile', () => {
  it.each(SCIPY_NORM_PPF)('matches scipy.stats.norm.ppf(%d)', (p, expected) => {
    expect(normalQuantile(p)).toBeCloseTo(expected, 12);
  });

  it('answers ±Infinity at 0 and 1 and refuses values outside', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(/0 <= p <= 1/);
  });
});
