import { describe, expect, it } from 'vitest';
import { CutoverError } from '../../core/errors.ts';
import { mulberry32, sampleNormal, type Random } from '../../../bench/stats/random.ts';
import { createComparativeJudge, type TrafficBatch } from './index.ts';

/** One second of traffic: `requests` per side, error counts given, lognormal latencies around 20 ms plus `plusMs` on the canary. */
function second(random: Random, canary: { requests: number; errors: number; plusMs?: number }, stable: { requests: number; errors: number }): TrafficBatch {
  const latencies = (n: number, plus: number) => Array.from({ length: n }, () => 20 * Math.exp(0.5 * sampleNormal(random)) + plus);
  return {
    canary: { requests: canary.requests, errors5xx: canary.errors, latenciesMs: latencies(canary.requests, canary.plusMs ?? 0) },
    stable: { requests: stable.requests, errors5xx: stable.errors, latenciesMs: latencies(stable.requests, 0) },
  };
}

describe('createComparativeJudge', () => {
  it('fails a canary with 5xx on 10% of requests vs 1% on stable, naming the metric, values and evidence', () => {
    const random = mulberry32(1);
    const judge = createComparativeJudge();
    let judgement = judge.observe(second(random, { requests: 60, errors: 6 }, { requests: 240, errors: 2 }));
    for (let s = 0; s < 10 && judgement.decision !== 'fail'; s++) judgement = judge.observe(second(random, { requests: 60, errors: 6 }, { requests: 240, errors: 2 }));
    expect(judgement.decision).toBe('fail');
    const errorRate = judgement.verdicts.find((v) => v.metric === 'errorRate');
    expect(errorRate).toMatchObject({ decision: 'fail', canary: { rate: 0.1 }, stable: { rate: 2 / 240 } });
    expect(errorRate?.evidence).toBeGreaterThanOrEqual(errorRate?.threshold ?? Infinity);
    expect(judgement.explanation).toMatch(/^errorRate: canary 10.00% errors/);
  });

  it('shares alpha between the metrics it judges, so the bound holds for the judge as a whole', () => {
    const judgement = createComparativeJudge({ alpha: 0.01 }).observe(second(mulberry32(2), { requests: 60, errors: 0 }, { requests: 240, errors: 2 }));
    expect(judgement.verdicts.map((v) => [v.metric, v.threshold])).toEqual([
      ['errorRate', expect.closeTo(1 / 0.009, 9)],
      ['latency', expect.closeTo(1 / 0.001, 9)],
    ]);
    const alone = createComparativeJudge({ latency: false }).observe(second(mulberry32(2), { requests: 60, errors: 0 }, { requests: 240, errors: 2 }));
    expect(alone.verdicts.map((v) => [v.metric, v.threshold])).toEqual([['errorRate', 100]]);
  });

  it('holds every verdict at continue until each side served minRequests', () => {
    const random = mulberry32(3);
    const judge = createComparativeJudge({ minRequests: 200 });
    const decisions = Array.from({ length: 4 }, () => judge.observe(second(random, { requests: 60, errors: 30, plusMs: 200 }, { requests: 240, errors: 0 })).decision);
    expect(decisions).toEqual(['continue', 'continue', 'continue', 'fail']);
  });

  it('lets the worst verdict win: a slow canary fails even while its errors pass', () => {
    const random = mulberry32(4);
    const judge = createComparativeJudge();
    let judgement = judge.observe(second(random, { requests: 60, errors: 0, plusMs: 40 }, { requests: 240, errors: 2 }));
    for (let s = 0; s < 5; s++) judgement = judge.observe(second(random, { requests: 60, errors: 0, plusMs: 40 }, { requests: 240, errors: 2 }));
    expect(judgement.decision).toBe('fail');
    expect(judgement.verdicts.map((v) => v.decision)).toEqual(['continue', 'fail']);
    expect(judgement.explanation).toMatch(/^latency: /);
  });

  it('passes only when every metric passes', () => {
    const random = mulberry32(5);
    const judge = createComparativeJudge();
    let judgement = judge.observe(second(random, { requests: 100, errors: 1 }, { requests: 400, errors: 4 }));
    for (let s = 0; s < 200 && judgement.decision !== 'pass'; s++) judgement = judge.observe(second(random, { requests: 100, errors: 1 }, { requests: 400, errors: 4 }));
    expect(judgement.decision).toBe('pass');
    expect(judgement.verdicts.every((v) => v.decision === 'pass')).toBe(true);
  });

  it('compares each route with itself: a canary that receives more of a flaky route is not failed for it', () => {
    const random = mulberry32(6);
    const binomial = (n: number, p: number) => Array.from({ length: n }).filter(() => random() < p).length;
    const route = (name: string, canary: number, stable: number, errorRate: number) => {
      const c = binomial(canary, errorRate);
      const s = binomial(stable, errorRate);
      return { route: name, canary: { requests: canary, errors5xx: c, latenciesMs: [] }, stable: { requests: stable, errors5xx: s, latenciesMs: [] } };
    };
    const split = createComparativeJudge({ latency: false });
    const pooled = createComparativeJudge({ latency: false });
    const decisions = { split: 'continue', pooled: 'continue' };
    for (let second = 0; second < 60; second++) {
      // The flaky route fails 20% of the time on both versions; it is 30% of canary traffic, 10% of stable's.
      const routes = [route('GET /', 42, 216, 0.01), route('GET /flaky', 18, 24, 0.2)];
      const total = (side: 'canary' | 'stable') => ({ requests: routes.reduce((n, r) => n + r[side].requests, 0), errors5xx: routes.reduce((n, r) => n + r[side].errors5xx, 0), latenciesMs: [] });
      if (split.observe({ canary: total('canary'), stable: total('stable'), routes }).decision === 'fail') decisions.split = 'fail';
      if (pooled.observe({ canary: total('canary'), stable: total('stable') }).decision === 'fail') decisions.pooled = 'fail';
    }
    expect(decisions).toEqual({ split: 'continue', pooled: 'fail' });
  });

  it('lets no single second decide: a second where every canary request failed adds at most the cap', () => {
    const random = mulberry32(7);
    const judge = createComparativeJudge({ latency: false });
    const before = judge.observe(second(random, { requests: 60, errors: 1 }, { requests: 240, errors: 2 }));
    const after = judge.observe(second(random, { requests: 60, errors: 60 }, { requests: 240, errors: 2 }));
    expect(after.decision).toBe('continue');
    expect(Math.log(after.verdicts[0]!.evidence) - Math.log(before.verdicts[0]!.evidence)).toBeLessThanOrEqual(1.2 + 1.5 + 1e-9);
  });

  it('catches a regression that starts after minutes of healthy traffic about as fast as one present from the start', () => {
    const random = mulberry32(8);
    const binomial = (n: number, p: number) => Array.from({ length: n }).filter(() => random() < p).length;
    const secondsToFail = (healthyFirst: number) => {
      const judge = createComparativeJudge({ latency: false });
      for (let t = 0; t < healthyFirst + 120; t++) {
        const canaryRate = t < healthyFirst ? 0.01 : 0.05;
        const batch = second(random, { requests: 60, errors: binomial(60, canaryRate) }, { requests: 240, errors: binomial(240, 0.01) });
        if (judge.observe(batch).decision === 'fail') return t - healthyFirst + 1;
      }
      return Infinity;
    };
    const early = Array.from({ length: 15 }, () => secondsToFail(0)).sort((a, b) => a - b)[7]!;
    const late = Array.from({ length: 15 }, () => secondsToFail(180)).sort((a, b) => a - b)[7]!;
    expect(late).toBeLessThan(2 * early + 5);
    expect(late).toBeLessThan(30);
  });

  it('refuses wrong options, naming every field', () => {
    const attempt = () => createComparativeJudge({ alpha: 2, errorRate: { ratio: -1, evidenceCap: { perSecond: 0, burst: 1 } }, minRequests: 1.5 });
    expect(attempt).toThrow(CutoverError);
    expect(attempt).toThrow(/alpha must be a probability between 0 and 1/);
    try {
      attempt();
    } catch (error) {
      expect((error as CutoverError).problems.map((p) => p.path)).toEqual(['alpha', 'errorRate.ratio', 'errorRate.evidenceCap.perSecond', 'minRequests']);
    }
  });

  it('refuses to judge nothing', () => {
    expect(() => createComparativeJudge({ errorRate: false, latency: false })).toThrow(/turn on at least one metric/);
  });
});
