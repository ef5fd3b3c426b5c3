import { describe, expect, it } from 'vitest';
import { CutoverError } from '../core/errors.ts';
import { validateRouterConfig } from './config.ts';

const valid = {
  service: 'hello',
  port: 8080,
  weights: { '1': 90, '2': 10 },
  backends: [{ id: 'a', revision: 1, port: 9001, inRotation: true }],
  healthCheck: { path: '/healthz', intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 3 },
  generation: 1,
};

function problemsOf(input: unknown): string[] {
  try {
    validateRouterConfig(input);
  } catch (error) {
    if (error instanceof CutoverError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe('validateRouterConfig', () => {
  it('accepts a complete config and empty weights (nothing to route yet)', () => {
    expect(validateRouterConfig(valid)).toEqual(valid);
    expect(problemsOf({ ...valid, weights: {} })).toEqual([]);
  });

  it('names each bad field', () => {
    expect(problemsOf({ ...valid, healthCheck: { ...valid.healthCheck, intervalMs: 0 } })).toEqual([
      expect.stringMatching(/^healthCheck\.intervalMs: /),
    ]);
    expect(problemsOf({ ...valid, weights: { latest: 100 } })).toEqual([expect.stringMatching(/^weights\.latest: /)]);
    expect(problemsOf({ ...valid, backends: [...valid.backends, { ...valid.backends[0] }] })).toEqual([
      'backends[1].id: duplicate backend id "a"',
    ]);
    expect(problemsOf({ ...valid, previewPort: 8080 })).toEqual(['previewPort: must differ from port']);
    expect(problemsOf({ ...valid, generation: undefined })).toEqual([expect.stringMatching(/^generation: /)]);
  });
});
