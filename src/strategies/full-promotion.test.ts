import { describe, expect, it } from 'vitest';
import type { Step } from '../core/types.ts';
import { planBlueGreen } from './blue-green.ts';
import { planCanary } from './canary.ts';
import { fullPromotionSteps } from './full-promotion.ts';
import { planRolling } from './rolling.ts';

const analysis = { metrics: [{ name: 'errors', provider: { type: 'router' as const, query: 'error-rate' as const }, successCondition: 'result <= 0.01', intervalMs: 1000, count: 1, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 }] } as never;

describe('fullPromotionSteps', () => {
  it('takes a canary straight to its full size, then 100%, then promote and retire', () => {
    const plan = planCanary(3, { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }, { analysis }, { setWeight: 50 }, { pause: { durationMs: 60_000 } }] });
    expect(fullPromotionSteps(plan.slice(2))).toEqual([
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('leaves no pause and no analysis in a blue-green plan, and keeps its preview, promote and retire', () => {
    const plan = planBlueGreen(2, { type: 'blueGreen', autoPromote: false, previewPort: 9999, prePromotionAnalysis: analysis, postPromotionAnalysis: analysis, scaleDownDelayMs: 5000 });
    const rest = fullPromotionSteps(plan);
    expect(rest.map((step) => step.type)).toEqual(plan.filter((step) => step.type !== 'pause' && step.type !== 'analysis').map((step) => step.type));
    expect(rest.at(-1)).toEqual({ type: 'retire', afterMs: 5000 });
  });

  it('keeps every scale-down of a rolling plan behind the scale-up and weight that allow it', () => {
    const plan = planRolling(4, 4, { type: 'rolling', maxSurge: { count: 1 }, maxUnavailable: { count: 0 } });
    // A rolling plan has nothing to skip: the full promotion is the plan itself.
    expect(fullPromotionSteps(plan)).toEqual(plan);
  });

  it('keeps approvals and hooks', () => {
    const plan: Step[] = [{ type: 'approval' }, { type: 'hook', point: 'prepare' }, { type: 'scale', role: 'canary', replicas: 1 }, { type: 'pause' }, { type: 'hook', point: 'beforeTraffic' }, { type: 'setWeight', canary: 100 }, { type: 'promote' }];
    expect(fullPromotionSteps(plan)).toEqual(plan.filter((step) => step.type !== 'pause'));
  });
});
