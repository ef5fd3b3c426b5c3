import { describe, expect, it } from 'vitest';
import type { Step } from '../core/types.ts';
import { withHooks } from './hooks.ts';

const plan: Step[] = [
  { type: 'scale', role: 'canary', replicas: 1 },
  { type: 'setWeight', canary: 20 },
  { type: 'pause' },
  { type: 'setWeight', canary: 100 },
  { type: 'promote' },
  { type: 'retire', afterMs: 0 },
];

describe('withHooks', () => {
  it('leaves a plan alone when there are no hooks', () => {
    expect(withHooks(plan, { prepare: false, beforeTraffic: false, afterPromote: false })).toEqual(plan);
  });

  it('runs prepare first, beforeTraffic before the first weight above 0, afterPromote right after promote', () => {
    expect(withHooks(plan, { prepare: true, beforeTraffic: true, afterPromote: true }).map((s) => (s.type === 'hook' ? `hook:${s.point}` : s.type))).toEqual([
      'hook:prepare',
      'scale',
      'hook:beforeTraffic',
      'setWeight',
      'pause',
      'setWeight',
      'promote',
      'hook:afterPromote',
      'retire',
    ]);
  });

  it('puts beforeTraffic before the switch of a blue-green plan', () => {
    const blueGreen: Step[] = [{ type: 'scale', role: 'canary', replicas: 3 }, { type: 'setWeight', canary: 100 }, { type: 'promote' }];
    expect(withHooks(blueGreen, { prepare: false, beforeTraffic: true, afterPromote: false }).map((s) => s.type)).toEqual(['scale', 'hook', 'setWeight', 'promote']);
  });
});
