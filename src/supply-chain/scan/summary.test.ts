import { describe, expect, it } from 'vitest';
import { meetsThreshold, summarize } from './summary.ts';
import type { Finding, SeveritySummary, SeverityThreshold } from './types.ts';

const EMPTY: SeveritySummary = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 };
const only = (severity: keyof SeveritySummary): SeveritySummary => ({ ...EMPTY, [severity]: 1 });

describe('summarize', () => {
  it('counts findings by severity, every severity present', () => {
    const findings = ['high', 'high', 'unknown'].map((severity) => ({ severity }) as Finding);
    expect(summarize(findings)).toEqual({ ...EMPTY, high: 2, unknown: 1 });
    expect(summarize([])).toEqual(EMPTY);
  });
});

describe('meetsThreshold', () => {
  /** [worst finding, threshold, blocked?] */
  const CASES: Array<[keyof SeveritySummary, SeverityThreshold, boolean]> = [
    ['critical', 'critical', true],
    ['high', 'critical', false],
    ['critical', 'high', true],
    ['high', 'high', true],
    ['medium', 'high', false],
    ['medium', 'medium', true],
    ['low', 'medium', false],
    ['low', 'low', true],
    ['none', 'low', false],
    ['critical', 'none', false],
    ['unknown', 'low', false],
  ];

  it.each(CASES)('a %s finding against threshold %s blocks: %s', (severity, threshold, blocked) => {
    expect(meetsThreshold(only(severity), threshold)).toBe(blocked);
  });

  it('never blocks with no findings', () => {
    for (const threshold of ['none', 'low', 'medium', 'high', 'critical'] as const) expect(meetsThreshold(EMPTY, threshold)).toBe(false);
  });

  it('blocks on unknown severity at any threshold but none when asked to fail closed', () => {
    expect(meetsThreshold(only('unknown'), 'critical', { blockUnknown: true })).toBe(true);
    expect(meetsThreshold(only('unknown'), 'none', { blockUnknown: true })).toBe(false);
  });
});
