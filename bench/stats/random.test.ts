import { describe, expect, it } from 'vitest';
import { normalQuantile } from './normal.ts';
import { mulberry32, samplePoisson, sampleNormal } from './random.ts';

describe('mulberry32', () => {
  // The first draws of Tommy Ettinger's reference JavaScript
  // (`t=a+=0x6D2B79F5; t=Math.imul(t^t>>>15,t|1); t^=t+Math.imul(t^t>>>7,t|61); return ((t^t>>>14)>>>0)/4294967296`)
  // run with node, and the same numbers from a Python port of it.
  it.each([
    [0, [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111]],
    [42, [0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]],
    [2024, [0.811762373894453, 0.7108214949257672, 0.6505258858669549, 0.6853262642398477]],
  ])('with seed %d draws the reference sequence', (seed, expected) => {
    const random = mulberry32(seed);
    expect([random(), random(), random(), random()]).toEqual(expected);
  });
});

describe('the samplers', () => {
  it('draw normals whose 90th percentile is Φ⁻¹(0.9)', () => {
    const random = mulberry32(7);
    const draws = Array.from({ length: 200_000 }, () => sampleNormal(random));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const below = draws.filter((x) => x < normalQuantile(0.9)).length / draws.length;
    // Standard errors: 1/√n ≈ 0.0022 for the mean, √(0.09/n) ≈ 0.0007 for the share.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(below - 0.9)).toBeLessThan(0.003);
  });

  it.each([0.3, 12, 800])('draw Poisson(%d) counts with the right mean and variance', (mean) => {
    const random = mulberry32(11);
    const n = 20_000;
    const draws = Array.from({ length: n }, () => samplePoisson(random, mean));
    const average = draws.reduce((a, b) => a + b, 0) / n;
    const variance = draws.reduce((a, b) => a + (b - average) ** 2, 0) / (n - 1);
    // Five standard errors of each estimate.
    expect(Math.abs(average - mean)).toBeLessThan(5 * Math.sqrt(mean / n));
    expect(Math.abs(variance - mean)).toBeLessThan(5 * mean * Math.sqrt(2 / n) + 5 * Math.sqrt(mean / n));
  });
});
