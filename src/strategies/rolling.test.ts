import { describe, expect, it } from 'vitest';
import type { Step } from '../core/types.ts';
import type { IntOrPercent } from '../spec/types.ts';
import { planRolling, resolveRollingBounds } from './rolling.ts';
import type { RollingStrategy } from './rolling.ts';

const rolling = (maxSurge: IntOrPercent, maxUnavailable: IntOrPercent): RollingStrategy => ({
  type: 'rolling',
  maxSurge,
  maxUnavailable,
});

/**
 * Runs a plan the way the engine does (a new canary instance is in rotation
 * only once its scale step is done; a stopped stable one leaves rotation
 * before it stops) and fails on the first broken invariant.
 */
function simulate(steps: Step[], instances: number, stableReplicas: number, strategy: RollingStrategy) {
  const { maxSurge, maxUnavailable } = resolveRollingBounds(instances, strategy);
  let stable = stableReplicas;
  let canary = 0;
  let weight = 0;
  const canaryCounts: number[] = [];
  const where = (i: number) => `step ${i} ${JSON.stringify(steps[i])} of N=${instances} surge=${maxSurge} unavailable=${maxUnavailable}`;

  steps.forEach((step, i) => {
    if (step.type === 'scale' && step.role === 'canary') {
      expect(step.replicas, where(i)).toBeGreaterThan(canary);
      // While the new instances start, all of them run but only the old ones serve.
      expect(stable + step.replicas, `instances running at ${where(i)}`).toBeLessThanOrEqual(instances + maxSurge);
      expect(stable + canary, `instances in rotation at ${where(i)}`).toBeGreaterThanOrEqual(instances - maxUnavailable);
      canary = step.replicas;
      canaryCounts.push(canary);
    } else if (step.type === 'scale' && step.role === 'stable') {
      expect(step.replicas, `stable only shrinks: ${where(i)}`).toBeLessThan(stable);
      stable = step.replicas;
      expect(stable + canary, `instances in rotation at ${where(i)}`).toBeGreaterThanOrEqual(instances - maxUnavailable);
    } else if (step.type === 'setWeight') {
      expect(step.canary, where(i)).toBeGreaterThanOrEqual(weight);
      expect(step.canary, where(i)).toBe(Math.round((100 * canary) / instances));
      weight = step.canary;
    }
  });
  return { stable, canary, weight, canaryCounts };
}

describe('resolveRollingBounds', () => {
  it('rounds a percent surge up and a percent unavailable down, as Kubernetes does', () => {
    expect(resolveRollingBounds(5, rolling({ percent: 30 }, { percent: 30 }))).toEqual({ maxSurge: 2, maxUnavailable: 1 });
    expect(resolveRollingBounds(4, rolling({ percent: 25 }, { percent: 25 }))).toEqual({ maxSurge: 1, maxUnavailable: 1 });
    expect(resolveRollingBounds(3, rolling({ percent: 10 }, { percent: 50 }))).toEqual({ maxSurge: 1, maxUnavailable: 1 });
  });

  it('takes counts as written', () => {
    expect(resolveRollingBounds(4, rolling({ count: 2 }, { count: 3 }))).toEqual({ maxSurge: 2, maxUnavailable: 3 });
  });

  it('uses a surge of one when both bounds come to zero, so the rollout can move', () => {
    expect(resolveRollingBounds(3, rolling({ count: 0 }, { count: 0 }))).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(resolveRollingBounds(3, rolling({ percent: 0 }, { percent: 25 }))).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });
});

describe('planRolling', () => {
  it('replaces three instances one at a time with maxSurge 1 and maxUnavailable 0', () => {
    expect(planRolling(3, 3, rolling({ count: 1 }, { count: 0 }))).toEqual([
      { type: 'scale', role: 'canary', replicas: 1 },
      { type: 'setWeight', canary: 33 },
      { type: 'scale', role: 'stable', replicas: 2 },
      { type: 'scale', role: 'canary', replicas: 2 },
      { type: 'setWeight', canary: 67 },
      { type: 'scale', role: 'stable', replicas: 1 },
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 100 },
      { type: 'scale', role: 'stable', replicas: 0 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('replaces four instances one at a time with the default 25% surge and 0 unavailable', () => {
    expect(planRolling(4, 4, rolling({ percent: 25 }, { count: 0 }))).toEqual([
      { type: 'scale', role: 'canary', replicas: 1 },
      { type: 'setWeight', canary: 25 },
      { type: 'scale', role: 'stable', replicas: 3 },
      { type: 'scale', role: 'canary', replicas: 2 },
      { type: 'setWeight', canary: 50 },
      { type: 'scale', role: 'stable', replicas: 2 },
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 75 },
      { type: 'scale', role: 'stable', replicas: 1 },
      { type: 'scale', role: 'canary', replicas: 4 },
      { type: 'setWeight', canary: 100 },
      { type: 'scale', role: 'stable', replicas: 0 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('stops a stable instance before starting each canary one with maxSurge 0 and maxUnavailable 1', () => {
    expect(planRolling(4, 4, rolling({ count: 0 }, { count: 1 }))).toEqual([
      { type: 'scale', role: 'stable', replicas: 3 },
      { type: 'scale', role: 'canary', replicas: 1 },
      { type: 'setWeight', canary: 25 },
      { type: 'scale', role: 'stable', replicas: 2 },
      { type: 'scale', role: 'canary', replicas: 2 },
      { type: 'setWeight', canary: 50 },
      { type: 'scale', role: 'stable', replicas: 1 },
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 75 },
      { type: 'scale', role: 'stable', replicas: 0 },
      { type: 'scale', role: 'canary', replicas: 4 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('uses surge and unavailable together to move in larger batches', () => {
    expect(planRolling(4, 4, rolling({ count: 1 }, { count: 1 }))).toEqual([
      { type: 'scale', role: 'stable', replicas: 3 },
      { type: 'scale', role: 'canary', replicas: 2 },
      { type: 'setWeight', canary: 50 },
      { type: 'scale', role: 'stable', replicas: 2 },
      { type: 'scale', role: 'stable', replicas: 1 },
      { type: 'scale', role: 'canary', replicas: 4 },
      { type: 'setWeight', canary: 100 },
      { type: 'scale', role: 'stable', replicas: 0 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('replaces everything in one batch when the surge is the whole service', () => {
    expect(planRolling(3, 3, rolling({ percent: 100 }, { count: 0 }))).toEqual([
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 100 },
      { type: 'scale', role: 'stable', replicas: 0 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  const bounds: IntOrPercent[] = [
    ...[0, 1, 2, 3, 5, 8, 13].map((count) => ({ count })),
    ...[0, 1, 10, 20, 25, 33, 50, 75, 99, 100, 150].map((percent) => ({ percent })),
  ];

  it('keeps enough instances in rotation and never runs too many, for N in 1..12 and every bound combination', () => {
    let plans = 0;
    for (let instances = 1; instances <= 12; instances++) {
      for (const maxSurge of bounds) {
        for (const maxUnavailable of bounds) {
          const strategy = rolling(maxSurge, maxUnavailable);
          const steps = planRolling(instances, instances, strategy);
          const end = simulate(steps, instances, instances, strategy);

          expect(end).toMatchObject({ stable: 0, canary: instances, weight: 100 });
          // Every batch starts at least one canary instance, so there are at most N batches.
          expect(end.canaryCounts.length).toBeLessThanOrEqual(instances);
          expect(steps.slice(-2)).toEqual([{ type: 'promote' }, { type: 'retire', afterMs: 0 }]);
          plans++;
        }
      }
    }
    expect(plans).toBe(12 * bounds.length * bounds.length);
  });

  it('ends with every instance replaced when the stable revision ran a different number of instances', () => {
    for (let instances = 1; instances <= 8; instances++) {
      for (const stableReplicas of [0, 1, instances - 1, instances + 2, instances * 3]) {
        for (const strategy of [rolling({ count: 1 }, { count: 0 }), rolling({ count: 0 }, { count: 1 }), rolling({ percent: 25 }, { percent: 25 })]) {
          const steps = planRolling(instances, stableReplicas, strategy);
          let stable = stableReplicas;
          let canary = 0;
          for (const step of steps) {
            if (step.type !== 'scale') continue;
            if (step.role === 'stable') {
              expect(step.replicas).toBeLessThan(stable);
              stable = step.replicas;
            } else {
              expect(step.replicas).toBeGreaterThan(canary);
              canary = step.replicas;
            }
          }
          expect({ stable, canary }).toEqual({ stable: 0, canary: instances });
          expect(steps.filter((step) => step.type === 'setWeight').at(-1)).toEqual({ type: 'setWeight', canary: 100 });
        }
      }
    }
  });
});
