import { describe, expect, it } from 'vitest';
import { batchLogLikelihoodRatio, closestNullRates, type Rates } from './null-projection.ts';
import { mulberry32 } from '../../../bench/stats/random.ts';

describe('closestNullRates', () => {
  // The KL projection found by a general-purpose optimiser, SciPy 1.17.1:
  //   kl = lambda p, q: p*log(p/q) + (1-p)*log((1-p)/(1-q))
  //   minimize_scalar(lambda q: nc*kl(pc1, r*q+d) + ns*kl(ps1, q),
  //                   bounds=(1e-12, (1-d)/r - 1e-12), method='bounded', options={'xatol': 1e-14}).x
  it.each([
    // [alternative canary, alternative stable, canary requests, stable requests, ratio, delta, stable at the projection]
    [0.05, 0.01, 60, 240, 1.5, 0.005, 0.014729117315974313],
    [0.35, 0.1, 10, 10, 2, 0, 0.1532090188542057],
    [0.01, 0.012, 100, 400, 1.5, 0.005, 0.010079435338188798],
    [0.3, 0.01, 1, 1000, 1.5, 0.005, 0.010213035158154561],
  ])('finds the KL projection of (%d, %d) for %d/%d requests as scipy does', (a_c, a_s, n_c, n_s, ratio, delta, z_s) => {
    const nullRates = closestNullRates({ canary: a_c, stable: a_s }, { canary: n_c, stable: n_s }, { ratio, delta });
    expect(nullRates?.stable).toBeCloseTo(z_s, 8);
    expect(nullRates?.canary).toBeCloseTo(ratio * z_s + delta, 8);
  });

  it('makes the batch likelihood ratio an e-value for every rate pair in the null', () => {
    const random = mulberry32(3);
    const margin = { ratio: 1.5, delta: 0.005 };
    for (let trial = 0; trial < 200; trial++) {
      const requests = { canary: 1 + Math.floor(random() * 100), stable: 1 + Math.floor(random() * 400) };
      const stable = 0.001 + random() * 0.3;
      const bound = margin.ratio * stable + margin.delta;
      const worse = random() < 0.5;
      const alternative = { stable, canary: worse ? bound + random() * (1 - bound) * 0.9 : bound * random() };
      const z = closestNullRates(alternative, requests, margin);
      expect(z).toBeDefined();
      if (!z) continue;
      // ln E_θ[LR] = n_c ln A_c(θ_c) + n_s ln A_s(θ_s), exactly.
      const logExpected = (theta: Rates): number => {
        const affine = (p: number, a: number, q: number) => Math.log((p * a) / q + ((1 - p) * (1 - a)) / (1 - q));
        return requests.canary * affine(theta.canary, alternative.canary, z.canary) + requests.stable * affine(theta.stable, alternative.stable, z.stable);
      };
      expect(Math.abs(logExpected(z))).toBeLessThan(1e-9);
      for (let i = 0; i < 50; i++) {
        const theta_s = random() * 0.6;
        const edge = Math.min(1, margin.ratio * theta_s + margin.delta);
        // A point of the null being tested: below the boundary for "worse", above it for "not worse".
        const theta_c = worse ? random() * edge : edge + random() * (1 - edge);
        expect(logExpected({ canary: theta_c, stable: theta_s })).toBeLessThan(1e-9);
      }
    }
  });

  it('gives no null point when one side had no requests', () => {
    expect(closestNullRates({ canary: 0.05, stable: 0.01 }, { canary: 0, stable: 100 }, { ratio: 1.5, delta: 0.005 })).toBeUndefined();
  });
});

describe('batchLogLikelihoodRatio', () => {
  it('is the Bernoulli log likelihood ratio summed over both sides', () => {
    const batch = { canary: { requests: 10, errors: 2 }, stable: { requests: 20, errors: 1 } };
    const expected =
      2 * Math.log(0.2 / 0.1) + 8 * Math.log(0.8 / 0.9) + 1 * Math.log(0.05 / 0.04) + 19 * Math.log(0.95 / 0.96);
    expect(batchLogLikelihoodRatio(batch, { canary: 0.2, stable: 0.05 }, { canary: 0.1, stable: 0.04 })).toBeCloseTo(expected, 12);
  });
});
