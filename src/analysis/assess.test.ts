import { describe, expect, it } from 'vitest';
import type { MetricSpec } from '../spec/types.ts';
import { assessMetric, combine, count, judgeValue } from './assess.ts';

const metric = (overrides: Partial<MetricSpec> = {}): MetricSpec => ({
  name: 'errors',
  provider: { type: 'router', query: 'errorRate', revision: 'canary', windowMs: 30_000 },
  intervalMs: 1000,
  initialDelayMs: 0,
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  dryRun: false,
  ...overrides,
});
const zero = { successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveErrors: 0 };

describe('judgeValue', () => {
  it('fails when the failure condition holds, even if the success condition holds too', () => {
    expect(judgeValue({ successCondition: 'result < 1', failureCondition: 'result > 0.1' }, 0.5).phase).toBe('Failed');
  });
  it('succeeds when only the success condition is given and holds', () => {
    expect(judgeValue({ successCondition: 'result < 0.05' }, 0.01).phase).toBe('Successful');
  });
  it('fails when only the success condition is given and does not hold', () => {
    const judged = judgeValue({ successCondition: 'result < 0.05' }, 0.2);
    expect(judged).toEqual({ phase: 'Failed', message: 'result < 0.05 does not hold for 0.2000' });
  });
  it('succeeds when only the failure condition is given and does not hold', () => {
    expect(judgeValue({ failureCondition: 'result >= 0.05' }, 0.01).phase).toBe('Successful');
  });
  it('is inconclusive when both are given and neither holds', () => {
    expect(judgeValue({ successCondition: 'result < 0.01', failureCondition: 'result > 0.1' }, 0.05).phase).toBe('Inconclusive');
  });
  it('succeeds without conditions', () => {
    expect(judgeValue({}, 42).phase).toBe('Successful');
  });
  it('compares integers and doubles alike, as users write them', () => {
    expect(judgeValue({ successCondition: 'result < 5' }, 0).phase).toBe('Successful');
    expect(judgeValue({ successCondition: 'result < 0.5' }, 0).phase).toBe('Successful');
  });
  it('reads fields of a JSON result', () => {
    expect(judgeValue({ successCondition: 'result.ok == true && result.count > 2' }, { ok: true, count: 3 }).phase).toBe('Successful');
  });
  it('is an error, not a crash, when the condition cannot be evaluated on the value', () => {
    const judged = judgeValue({ successCondition: 'result.missing > 1' }, { other: 1 });
    expect(judged.phase).toBe('Error');
    expect(judged.message).toMatch(/could not evaluate/);
  });
});

describe('assessMetric', () => {
  it('keeps running until count measurements were taken, then succeeds', () => {
    expect(assessMetric(metric({ count: 3 }), { ...zero, successful: 2 }, 2)).toBe('Running');
    expect(assessMetric(metric({ count: 3 }), { ...zero, successful: 3 }, 3)).toBe('Successful');
  });
  it('runs without end when count is not set (background analysis)', () => {
    expect(assessMetric(metric(), { ...zero, successful: 1000 }, 1000)).toBe('Running');
  });
  it('fails once failures exceed failureLimit', () => {
    expect(assessMetric(metric({ failureLimit: 1 }), { ...zero, failed: 1 }, 1)).toBe('Running');
    expect(assessMetric(metric({ failureLimit: 1 }), { ...zero, failed: 2 }, 2)).toBe('Failed');
  });
  it('is inconclusive once inconclusive measurements exceed inconclusiveLimit', () => {
    expect(assessMetric(metric({ inconclusiveLimit: 0 }), { ...zero, inconclusive: 1 }, 1)).toBe('Inconclusive');
  });
  it('ends in Error only after more consecutive errors than consecutiveErrorLimit', () => {
    expect(assessMetric(metric({ consecutiveErrorLimit: 2 }), { ...zero, error: 2, consecutiveErrors: 2 }, 2)).toBe('Running');
    expect(assessMetric(metric({ consecutiveErrorLimit: 2 }), { ...zero, error: 3, consecutiveErrors: 3 }, 3)).toBe('Error');
  });
  it('lets failure win over a count that is reached at the same time', () => {
    expect(assessMetric(metric({ count: 1 }), { ...zero, failed: 1 }, 1)).toBe('Failed');
  });
});

describe('count', () => {
  it('resets the run of consecutive errors on any other result', () => {
    let counts = count(zero, { at: 1, phase: 'Error' });
    counts = count(counts, { at: 2, phase: 'Error' });
    expect(counts.consecutiveErrors).toBe(2);
    counts = count(counts, { at: 3, phase: 'Successful' });
    expect(counts).toEqual({ successful: 1, failed: 0, inconclusive: 0, error: 2, consecutiveErrors: 0 });
  });
});

describe('combine', () => {
  it('takes the worst metric: Failed over Error over Inconclusive over Running over Successful', () => {
    expect(combine([{ phase: 'Successful', dryRun: false }, { phase: 'Failed', dryRun: false }, { phase: 'Error', dryRun: false }])).toBe('Failed');
    expect(combine([{ phase: 'Inconclusive', dryRun: false }, { phase: 'Error', dryRun: false }])).toBe('Error');
    expect(combine([{ phase: 'Running', dryRun: false }, { phase: 'Inconclusive', dryRun: false }])).toBe('Inconclusive');
    expect(combine([{ phase: 'Successful', dryRun: false }, { phase: 'Running', dryRun: false }])).toBe('Running');
  });
  it('never lets a dry-run metric decide', () => {
    expect(combine([{ phase: 'Successful', dryRun: false }, { phase: 'Failed', dryRun: true }])).toBe('Successful');
  });
});
