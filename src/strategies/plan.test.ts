import { describe, expect, it } from 'vitest';
import type { HookSpec, StrategySpec } from '../spec/types.ts';
import { planFor } from './plan.ts';
import { sampleSpec } from '../../test/support/sample-spec.ts';

const strategies: StrategySpec[] = [
  { type: 'rolling', maxSurge: { percent: 25 }, maxUnavailable: { count: 0 } },
  { type: 'blueGreen', autoPromote: false, previewPort: 8081, scaleDownDelayMs: 30_000 },
  { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] },
];

describe('planFor', () => {
  it.each(strategies)('starts, routes and promotes on a first deployment with the $type strategy', (strategy) => {
    expect(planFor(sampleSpec({ instances: 3, strategy }), null)).toEqual([
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
    ]);
  });

  it('plans with the strategy of the spec', () => {
    const spec = sampleSpec({ instances: 2, strategy: { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 1000 } });
    expect(planFor(spec, { revision: 1, replicas: 2 })).toEqual([
      { type: 'scale', role: 'canary', replicas: 2 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 1000 },
    ]);
  });

  it('plans with the strategy given in the options instead of the spec', () => {
    const spec = sampleSpec({ instances: 2, strategy: { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 1000 } });
    const steps = planFor(spec, { revision: 1, replicas: 2 }, { strategy: strategies[2] });
    expect(steps.map((step) => step.type)).toEqual(['scale', 'setWeight', 'pause', 'scale', 'setWeight', 'promote', 'retire']);
  });

  it('counts the stable instances that run now in a rolling plan', () => {
    const spec = sampleSpec({ instances: 2, strategy: { type: 'rolling', maxSurge: { count: 0 }, maxUnavailable: { count: 1 } } });
    const steps = planFor(spec, { revision: 4, replicas: 3 });
    expect(steps[0]).toEqual({ type: 'scale', role: 'stable', replicas: 1 });
  });

  it('names the strategies it knows when the type is unknown', () => {
    const spec = sampleSpec({ instances: 2, strategy: { type: 'shadow' } as unknown as StrategySpec });
    expect(() => planFor(spec, { revision: 1, replicas: 2 })).toThrow(
      "No strategy named 'shadow'; use rolling, blueGreen or canary.",
    );
  });
});

describe('planFor a rollback', () => {
  it('keeps the canary weights but drops every pause, so a rollback never waits for a person', () => {
    const spec = sampleSpec({ instances: 3, strategy: { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: { durationMs: 10_000 } }] } });
    const steps = planFor(spec, { revision: 1, replicas: 3 }, { rollback: true });
    expect(steps.some((step) => step.type === 'pause')).toBe(false);
    expect(steps.filter((step) => step.type === 'setWeight').map((step) => (step as { canary: number }).canary)).toEqual([20, 50, 100]);
  });
});

describe('planFor in an environment', () => {
  const canary: StrategySpec = { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] };
  const stable = { revision: 1, replicas: 2 };
  const hook: HookSpec = { command: ['true'], timeoutMs: 1000, retries: 0 };
  const types = (steps: ReturnType<typeof planFor>) => steps.map((step) => (step.type === 'hook' ? `hook:${step.point}` : step.type));

  it('starts with an approval when the environment requires one, before anything starts', () => {
    const steps = planFor(sampleSpec({ instances: 2, strategy: canary }), stable, { environment: { approvalRequired: true, hooks: {} } });
    expect(types(steps)).toEqual(['approval', 'scale', 'setWeight', 'pause', 'scale', 'setWeight', 'promote', 'retire']);
  });

  it('asks no approval for a rollback, which goes back to a revision that already served', () => {
    const steps = planFor(sampleSpec({ instances: 2, strategy: canary }), stable, { rollback: true, environment: { approvalRequired: true, hooks: {} } });
    expect(steps.some((step) => step.type === 'approval')).toBe(false);
  });

  it("adds the hook steps of the points the environment's hooks use", () => {
    const steps = planFor(sampleSpec({ instances: 2, strategy: canary }), stable, { environment: { approvalRequired: false, hooks: { prepare: [hook], afterPromote: [hook] } } });
    expect(types(steps)).toEqual(['hook:prepare', 'scale', 'setWeight', 'pause', 'scale', 'setWeight', 'promote', 'hook:afterPromote', 'retire']);
  });

  it("adds the hook steps of the points the spec's own hooks use", () => {
    const spec = { ...sampleSpec({ instances: 2, strategy: canary }), hooks: { beforeTraffic: [hook] } };
    expect(types(planFor(spec, stable))).toEqual(['scale', 'hook:beforeTraffic', 'setWeight', 'pause', 'scale', 'setWeight', 'promote', 'retire']);
  });

  it('adds no hook step for points without hooks or for onRollback and cleanup, which the engine runs outside the plan', () => {
    const spec = { ...sampleSpec({ instances: 2, strategy: canary }), hooks: { onRollback: [hook], cleanup: [hook], prepare: [] } };
    expect(planFor(spec, stable, { environment: { approvalRequired: false, hooks: { afterPromote: [] } } })).toEqual(planFor(sampleSpec({ instances: 2, strategy: canary }), stable));
  });

  it('puts the approval before the prepare hook, on a first deployment too', () => {
    const steps = planFor(sampleSpec({ instances: 2, strategy: canary }), null, { environment: { approvalRequired: true, hooks: { prepare: [hook] } } });
    expect(types(steps)).toEqual(['approval', 'hook:prepare', 'scale', 'setWeight', 'promote']);
  });
});
