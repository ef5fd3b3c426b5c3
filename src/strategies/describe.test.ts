import { describe, expect, it } from 'vitest';
import type { Step } from '../core/types.ts';
import { describeStep } from './describe.ts';

describe('describeStep', () => {
  it.each<[Step, string]>([
    [{ type: 'setWeight', canary: 20 }, 'set weight 20%'],
    [{ type: 'pause', durationMs: 10_000 }, 'pause 10s'],
    [{ type: 'pause', durationMs: 90_000 }, 'pause 1m30s'],
    [{ type: 'pause' }, 'pause until promoted'],
    [{ type: 'scale', role: 'canary', replicas: 2 }, 'scale canary to 2'],
    [{ type: 'scale', role: 'stable', replicas: 0 }, 'scale stable to 0'],
    [{ type: 'preview' }, 'serve the new revision on the preview port'],
    [{ type: 'promote' }, 'promote'],
    [{ type: 'retire', afterMs: 30_000 }, 'retire old revision after 30s'],
    [{ type: 'retire', afterMs: 0 }, 'retire old revision'],
  ])('describes %j as "%s"', (step, words) => {
    expect(describeStep(step)).toBe(words);
  });
});
