import { describe, expect, it } from 'vitest';
import { CutoverError } from '../core/errors.ts';
import { DEFAULT_LIMITS, parseLimitsConfig, parseSize } from './limits.ts';

describe('parseLimitsConfig', () => {
  it('takes the defaults when the section is absent', () => {
    expect(parseLimitsConfig(undefined)).toEqual(DEFAULT_LIMITS);
  });

  it('reads sizes with units, the stream cap and the upload retention', () => {
    expect(parseLimitsConfig({ artifactSize: '64KiB', eventStreamsPerIdentity: 3, unusedUploadsAfter: '10m' })).toEqual({ artifactBytes: 65536, eventStreamsPerIdentity: 3, unusedUploadsAfterMs: 600_000 });
    expect(parseSize(1000)).toBe(1000);
    expect(parseSize('2 GiB')).toBe(2 * 1024 ** 3);
  });

  it('names the field of each problem', () => {
    try {
      parseLimitsConfig({ artifactSize: 'big', eventStreamsPerIdentity: 0, unusedUploadsAfter: '5ms', other: 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CutoverError);
      expect((error as CutoverError).problems.map((problem) => problem.path).sort()).toEqual(['limits', 'limits.artifactSize', 'limits.eventStreamsPerIdentity', 'limits.unusedUploadsAfter']);
    }
  });
});
