import { describe, expect, it } from 'vitest';
import type { CanaryStep } from '../spec/types.ts';
import { planCanary, replicasFor } from './canary.ts';

const canary = (...steps: CanaryStep[]) => ({ type: 'canary' as const, steps });

describe('planCanary', () => {
  it('mirrors from its setMirrorRoute step with one canary instance before any weight, and stops at 0', () => {
    expect(planCanary(3, canary({ setMirrorRoute: { percentage: 50 } }, { pause: { durationMs: 30_000 } }, { setMirrorRoute: { percentage: 0 } }, { setWeight: 20 }))).toEqual([
      { type: 'scale', role: 'canary', replicas: 1 },
      { type: 'setMirrorRoute', percentage: 50 },
      { type: 'pause', durationMs: 30_000 },
      { type: 'setMirrorRoute', percentage: 0 },
      { type: 'setWeight', canary: 20 },
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('routes matching requests to the canary from its setHeaderRoute step, with one instance to serve them before any weight', () => {
    expect(planCanary(3, canary({ setHeaderRoute: { header: 'x-beta', exact: 'on' } }, { pause: {} }, { setWeight: 50 }))).toEqual([
      { type: 'scale', role: 'canary', replicas: 1 },
      { type: 'setHeaderRoute', header: 'x-beta', exact: 'on' },
      { type: 'pause' },
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 50 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
    // After a weight, the canary already has its instances.
    expect(planCanary(3, canary({ setWeight: 20 }, { setHeaderRoute: { header: 'x-beta', regex: 'a|b' } })).slice(0, 3)).toEqual([
      { type: 'scale', role: 'canary', replicas: 1 },
      { type: 'setWeight', canary: 20 },
      { type: 'setHeaderRoute', header: 'x-beta', regex: 'a|b' },
    ]);
  });

  it('plans the example steps on three instances', () => {
    const steps = planCanary(
      3,
      canary({ setWeight: 20 }, { pause: { durationMs: 10_000 } }, { setWeight: 50 }, { pause: {} }),
    );
    expect(steps).toEqual([
      { type: 'scale', role: 'canary', replicas: 1 },
      { type: 'setWeight', canary: 20 },
      { type: 'pause', durationMs: 10_000 },
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 50 },
      { type: 'pause' },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('never scales the stable revision, which goes away only through retire', () => {
    const steps = planCanary(5, canary({ setWeight: 10 }, { setWeight: 60 }));
    expect(steps.filter((step) => step.type === 'scale' && step.role === 'stable')).toEqual([]);
    expect(steps.at(-1)).toEqual({ type: 'retire', afterMs: 0 });
  });

  it('keeps the canary instances when a later weight is lower', () => {
    expect(planCanary(4, canary({ setWeight: 40 }, { setWeight: 10 }, { pause: {} }))).toEqual([
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 40 },
      { type: 'setWeight', canary: 10 },
      { type: 'pause' },
      { type: 'scale', role: 'canary', replicas: 4 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('leaves out steps that would change nothing', () => {
    expect(planCanary(2, canary({ setWeight: 100 }, { setWeight: 100 }))).toEqual([
      { type: 'scale', role: 'canary', replicas: 2 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('goes straight to full size when there are no steps', () => {
    expect(planCanary(3, canary())).toEqual([
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('starts one instance for a small weight and none for a weight of zero', () => {
    expect(replicasFor(10, 1)).toBe(1);
    expect(replicasFor(1, 20)).toBe(1);
    expect(replicasFor(10, 0)).toBe(0);
    expect(replicasFor(3, 34)).toBe(2);
    expect(replicasFor(3, 100)).toBe(3);
  });

  it('gives each canary instance about the load of a stable one, so the judge compares like with like', () => {
    // weight ÷ canary instances ≈ (100 − weight) ÷ stable instances: 50% on 3 + 3, 20% on 10 vs 80% on 40.
    expect(replicasFor(3, 50)).toBe(3);
    expect(replicasFor(40, 20)).toBe(10);
    expect(replicasFor(10, 25)).toBe(3);
    // Above 50% that would need more canary instances than stable has: capped at the service's size.
    expect(replicasFor(3, 60)).toBe(3);
  });
});
