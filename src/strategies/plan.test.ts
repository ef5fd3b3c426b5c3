import { describe, expect, it } from 'vitest';
import type { StrategySpec } from '../spec/types.ts';
import { planDeployment } from './plan.ts';
import { sampleSpec } from '../../test/support/sample-spec.ts';

const strategies: StrategySpec[] = [
  { type: 'rolling', maxSurge: { percent: 25 }, maxUnavailable: { count: 0 } },
  { type: 'blueGreen', autoPromote: false, previewPort: 8081, scaleDownDelayMs: 30_000 },
  { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] },
];

describe('planDeployment', () => {
  it.each(strategies)('starts, routes and promotes on a first deployment with the $type strategy', (strategy) => {
    expect(planDeployment(sampleSpec({ instances: 3, strategy }), { stable: null })).toEqual([
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
    ]);
  });

  it('plans with the strategy of the spec', () => {
    const spec = sampleSpec({ instances: 2, strategy: { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 1000 } });
    expect(planDeployment(spec, { stable: { revision: 1, replicas: 2 } })).toEqual([
      { type: 'scale', role: 'canary', replicas: 2 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 1000 },
    ]);
  });

  it('plans with the strategy given in the options instead of the spec', () => {
    const spec = sampleSpec({ instances: 2, strategy: { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 1000 } });
    const steps = planDeployment(spec, { stable: { revision: 1, replicas: 2 } }, { strategy: strategies[2] });
    expect(steps.map((step) => step.type)).toEqual(['scale', 'setWeight', 'pause', 'scale', 'setWeight', 'promote', 'retire']);
  });

  it('counts the stable instances that run now in a rolling plan', () => {
    const spec = sampleSpec({ instances: 2, strategy: { type: 'rolling', maxSurge: { count: 0 }, maxUnavailable: { count: 1 } } });
    const steps = planDeployment(spec, { stable: { revision: 4, replicas: 3 } });
    expect(steps[0]).toEqual({ type: 'scale', role: 'stable', replicas: 1 });
  });

  it('names the strategies it knows when the type is unknown', () => {
    const spec = sampleSpec({ instances: 2, strategy: { type: 'shadow' } as unknown as StrategySpec });
    expect(() => planDeployment(spec, { stable: { revision: 1, replicas: 2 } })).toThrow(
      "No strategy named 'shadow'; use rolling, blueGreen or canary.",
    );
  });
});

describe('planDeployment for a rollback', () => {
  it('keeps the canary weights but drops every pause, so a rollback never waits for a person', () => {
    const spec = sampleSpec({ instances: 3, strategy: { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: { durationMs: 10_000 } }] } });
    const steps = planDeployment(spec, { stable: { revision: 1, replicas: 3 } }, { skipPauses: true });
    expect(steps.some((step) => step.type === 'pause')).toBe(false);
    expect(steps.filter((step) => step.type === 'setWeight').map((step) => (step as { canary: number }).canary)).toEqual([20, 50, 100]);
  });
});
