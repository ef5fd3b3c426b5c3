import { describe, expect, it } from 'vitest';
import { createErrorRateTest, type ErrorRateBatch } from './error-rate-test.ts';
import { mulberry32, samplePoisson } from '../../../bench/stats/random.ts';

const batch = (canary: [number, number], stable: [number, number]): ErrorRateBatch => ({
  canary: { requests: canary[0], errors: canary[1] },
  stable: { requests: stable[0], errors: stable[1] },
});

describe('createErrorRateTest', () => {
  // Values from an independent Python implementation of the same e-process,
  // with SciPy 1.17.1's brentq for the null projection:
  //   python3 test/support/error-rate-test.reference.py
  it('matches a reference implementation batch by batch', () => {
    const test = createErrorRateTest();
    const batches = [batch([60, 3], [240, 2]), batch([55, 4], [250, 3]), batch([62, 2], [238, 1]), batch([58, 5], [242, 4]), batch([61, 3], [239, 2])];
    const expected: [number, number][] = [
      [0, 0],
      [1.1251155291737074, -1.4530720037814502],
      [1.651579062784462, -1.8559399220055415],
      [2.9407004045826115, -2.687828566823423],
      [3.7153560005765063, -3.106567182289142],
    ];
    batches.forEach((b, i) => {
      const verdict = test.update(b);
      expect(Math.log(verdict.evidence)).toBeCloseTo(expected[i]![0], 9);
      expect(Math.log(verdict.passEvidence)).toBeCloseTo(expected[i]![1], 9);
      expect(verdict.decision).toBe('continue');
    });
  });

  it('fails once the evidence reaches 1/alpha, and stays failed', () => {
    const test = createErrorRateTest({ alpha: 0.01 });
    // 4 of 60 canary requests fail each second vs 2 of 240 stable ones.
    // `python3 test/support/error-rate-test.reference.py repeat`: log e-values
    // 4.559 after batch 4 (e = 95.5), 6.165 after batch 5 (e = 476 >= 100).
    const decisions = Array.from({ length: 5 }, () => test.update(batch([60, 4], [240, 2])).decision);
    expect(decisions).toEqual(['continue', 'continue', 'continue', 'continue', 'fail']);
    const afterHealthyData = Array.from({ length: 20 }, () => test.update(batch([60, 0], [240, 2])).decision);
    expect(afterHealthyData.every((d) => d === 'fail')).toBe(true);
  });

  it('passes a canary credibly within the margin', () => {
    const test = createErrorRateTest();
    let verdict = test.update(batch([100, 1], [400, 4]));
    for (let i = 0; i < 120 && verdict.decision === 'continue'; i++) verdict = test.update(batch([100, 1], [400, 4]));
    expect(verdict.decision).toBe('pass');
    expect(verdict.evidence).toBeLessThan(1);
    expect(verdict.canary).toEqual({ rate: expect.closeTo(0.01, 10), n: verdict.canary.n, errors: verdict.canary.n / 100 });
    expect(verdict.explanation).toMatch(/credibly within 1.5 × stable \+ 0.50 pp/);
  });

  it('takes no evidence from a batch where one side had no requests', () => {
    const test = createErrorRateTest();
    test.update(batch([60, 3], [240, 2]));
    expect(test.update(batch([60, 30], [0, 0])).evidence).toBe(1);
  });

  it('fails at most alpha of the time at the edge of the margin, looking after every batch', () => {
    // p_canary = 1.5 × 1% + 0.5 pp = 2%: the null's hardest case. 400 seeded
    // runs of 120 one-second batches at alpha 0.1; Ville bounds the rate by 0.1.
    const random = mulberry32(99);
    let falseFails = 0;
    for (let run = 0; run < 400; run++) {
      const test = createErrorRateTest({ alpha: 0.1 });
      for (let second = 0; second < 120; second++) {
        const requests = [samplePoisson(random, 60), samplePoisson(random, 240)] as const;
        const errors = requests.map((n, side) => Array.from({ length: n }).filter(() => random() < (side === 0 ? 0.02 : 0.01)).length);
        if (test.update(batch([requests[0], errors[0]!], [requests[1], errors[1]!])).decision === 'fail') {
          falseFails++;
          break;
        }
      }
    }
    expect(falseFails / 400).toBeLessThan(0.1);
  });

  it('refuses a batch with more errors than requests, naming the field', () => {
    expect(() => createErrorRateTest().update(batch([10, 11], [10, 0]))).toThrow(/canary.errors \(11\) is more than canary.requests \(10\)/);
  });
});
