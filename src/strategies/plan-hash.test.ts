import { describe, expect, it } from 'vitest';
import type { Step } from '../core/types.ts';
import { planHash } from './plan-hash.ts';

const plan: Step[] = [
  { type: 'scale', role: 'canary', replicas: 1 },
  { type: 'setWeight', canary: 20 },
  { type: 'pause', durationMs: 10_000 },
  { type: 'promote' },
  { type: 'retire', afterMs: 0 },
];

describe('planHash', () => {
  it('is a short hex string', () => {
    expect(planHash(plan)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is the same for the same plan, whatever order the fields were written in', () => {
    const reordered: Step[] = plan.map((step) => Object.fromEntries(Object.entries(step).reverse()) as Step);
    expect(planHash(reordered)).toBe(planHash(plan));
    expect(planHash(structuredClone(plan))).toBe(planHash(plan));
  });

  it('changes when a step changes', () => {
    const changed = plan.map((step) => (step.type === 'setWeight' ? { ...step, canary: 25 } : step));
    expect(planHash(changed)).not.toBe(planHash(plan));
  });

  it('changes when steps are reordered, added or removed', () => {
    const hash = planHash(plan);
    expect(planHash([plan[1]!, plan[0]!, ...plan.slice(2)])).not.toBe(hash);
    expect(planHash([...plan, { type: 'pause' }])).not.toBe(hash);
    expect(planHash(plan.slice(1))).not.toBe(hash);
  });

  it('tells a timed pause from a pause until promoted', () => {
    expect(planHash([{ type: 'pause' }])).not.toBe(planHash([{ type: 'pause', durationMs: 0 }]));
    expect(planHash([{ type: 'pause' }])).toBe(planHash([{ type: 'pause', durationMs: undefined }]));
  });
});
