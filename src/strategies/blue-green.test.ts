import { describe, expect, it } from 'vitest';
import { planBlueGreen } from './blue-green.ts';

describe('planBlueGreen', () => {
  it('starts the whole new revision, switches all traffic and keeps the old one for the scale-down delay', () => {
    expect(planBlueGreen(3, { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 30_000 })).toEqual([
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 30_000 },
    ]);
  });

  it('pauses until promoted before switching when autoPromote is false', () => {
    expect(planBlueGreen(2, { type: 'blueGreen', autoPromote: false, scaleDownDelayMs: 0 })).toEqual([
      { type: 'scale', role: 'canary', replicas: 2 },
      { type: 'pause' },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 0 },
    ]);
  });

  it('serves the new revision on the preview port before the pause when a preview port is set', () => {
    expect(
      planBlueGreen(3, { type: 'blueGreen', autoPromote: false, previewPort: 8081, scaleDownDelayMs: 60_000 }),
    ).toEqual([
      { type: 'scale', role: 'canary', replicas: 3 },
      { type: 'preview' },
      { type: 'pause' },
      { type: 'setWeight', canary: 100 },
      { type: 'promote' },
      { type: 'retire', afterMs: 60_000 },
    ]);
  });

  it('previews without pausing when a preview port is set and autoPromote is true', () => {
    expect(
      planBlueGreen(1, { type: 'blueGreen', autoPromote: true, previewPort: 8081, scaleDownDelayMs: 5000 }).map((step) => step.type),
    ).toEqual(['scale', 'preview', 'setWeight', 'promote', 'retire']);
  });
});
