import { describe, expect, it } from 'vitest';
import { compareFindings, meetsThreshold, summarize } from './summary.ts';
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

describe('compareFindings', () => {
  const finding = (overrides: Partial<Finding>): Finding => ({ package: 'qs', version: '1.0.0', advisoryId: 'GHSA-a', severity: 'high', ...overrides }) as Finding;
  const order = (findings: Finding[]): string[] => findings.sort(compareFindings).map((f) => `${f.severity} ${f.cvssScore ?? '-'} ${f.package}@${f.version} ${f.advisoryId}`);

  it('puts the worst first, then the higher CVSS score, then package, version and advisory', () => {
    expect(
      order([
        finding({ severity: 'low', cvssScore: 3 }),
        finding({ advisoryId: 'GHSA-b' }),
        finding({ cvssScore: 7.5 }),
        finding({ package: 'ip' }),
        finding({ severity: 'critical' }),
        finding({}),
      ]),
    ).toEqual(['critical - qs@1.0.0 GHSA-a', 'high 7.5 qs@1.0.0 GHSA-a', 'high - ip@1.0.0 GHSA-a', 'high - qs@1.0.0 GHSA-a', 'high - qs@1.0.0 GHSA-b', 'low 3 qs@1.0.0 GHSA-a']);
  });

  it('orders versions of a package by semver precedence, prereleases before their release', () => {
    const versions = ['2.0.0', '1.10.0', '2.0.0-rc.10', '1.9.3', '2.0.0-rc.2', '2.0.0-beta'].map((version) => finding({ version }));
    expect(versions.sort(compareFindings).map((f) => f.version)).toEqual(['1.9.3', '1.10.0', '2.0.0-beta', '2.0.0-rc.2', '2.0.0-rc.10', '2.0.0']);
  });

  it('orders what is not a version as text, numbers by value', () => {
    const versions = ['git+ssh://b', 'file:10', 'file:9'].map((version) => finding({ version }));
    expect(versions.sort(compareFindings).map((f) => f.version)).toEqual(['file:9', 'file:10', 'git+ssh://b']);
  });
});
