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
      ['errorRate', expect.closeTo(1 / 0.0075, 9)],
      ['latency', expect.closeTo(1 / 0.0025, 9)],
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

  it('refuses wrong options, naming every field', () => {
    const attempt = () => createComparativeJudge({ alpha: 2, errorRate: { ratio: -1 }, minRequests: 1.5 });
    expect(attempt).toThrow(CutoverError);
    expect(attempt).toThrow(/alpha must be a probability between 0 and 1/);
    try {
      attempt();
    } catch (error) {
      expect((error as CutoverError).problems.map((p) => p.path)).toEqual(['alpha', 'errorRate.ratio', 'minRequests']);
    }
  });

  it('refuses to judge nothing', () => {
    expect(() => createComparativeJudge({ errorRate: false, latency: false })).toThrow(/turn on at least one metric/);
  });
});
