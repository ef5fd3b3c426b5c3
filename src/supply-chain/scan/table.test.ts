import { describe, expect, it } from 'vitest';
import { formatScanTable } from './table.ts';
import type { Finding, ScanReport } from './types.ts';

const finding = (overrides: Partial<Finding>): Finding => ({
  package: 'qs',
  version: '6.5.2',
  advisoryId: 'GHSA-hx6j-r8gq-3w5c',
  aliases: ['CVE-2022-24998'],
  severity: 'high',
  cvssScore: 7.5,
  summary: 'qs vulnerable to prototype pollution',
  fixedVersion: '6.5.3',
  paths: ['request > qs'],
  dev: false,
  ...overrides,
});

const report = (overrides: Partial<ScanReport>): ScanReport => ({
  artifact: 'services/checkout',
  packages: 9,
  sources: ['services/checkout/package-lock.json'],
  findings: [],
  summary: { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 },
  notes: [],
  ...overrides,
});

const HEADER =
  'SEVERITY  CVSS  PACKAGE      INSTALLED  FIXED IN  ADVISORY             ALIASES         SUMMARY                                           PATH';

describe('formatScanTable', () => {
  it('prints one row per finding, worst first, extra paths below in the PATH column, then the counts', () => {
    const findings = [
      finding({ package: 'body-parser', version: '1.20.2', advisoryId: 'GHSA-q4wr-mj2c-8xg5', aliases: [], severity: 'unknown', cvssScore: undefined, summary: 'body-parser vulnerable to denial of service when url encoding is enabled', fixedVersion: '1.20.3', paths: ['express > body-parser'] }),
      finding({ paths: ['request > qs', 'express > qs'] }),
      finding({ package: 'ip', version: '2.0.1', advisoryId: 'GHSA-9q2w-hx5c-m4gv', aliases: ['CVE-2024-29931'], severity: 'critical', cvssScore: 9.8, summary: 'ip SSRF', fixedVersion: undefined, paths: ['socks > ip'], dev: true }),
    ];
    const text = formatScanTable(report({ findings, summary: { critical: 1, high: 1, medium: 0, low: 0, none: 0, unknown: 1 } }));
    expect(text).toBe(
      [
        'Scanned services/checkout: 9 packages from services/checkout/package-lock.json',
        '',
        HEADER,
        'CRITICAL  9.8   ip (dev)     2.0.1      -         GHSA-9q2w-hx5c-m4gv  CVE-2024-29931  ip SSRF                                           socks > ip',
        'HIGH      7.5   qs           6.5.2      6.5.3     GHSA-hx6j-r8gq-3w5c  CVE-2022-24998  qs vulnerable to prototype pollution              request > qs',
        `${' '.repeat(HEADER.indexOf('PATH'))}express > qs`,
        'UNKNOWN   -     body-parser  1.20.2     1.20.3    GHSA-q4wr-mj2c-8xg5  -               body-parser vulnerable to denial of service whe…  express > body-parser',
        '',
        '3 findings: 1 critical, 1 high, 1 unknown (1 only in dev dependencies)',
      ].join('\n'),
    );
  });

  it('has no trailing spaces, so it diffs and pastes cleanly', () => {
    const text = formatScanTable(report({ findings: [finding({ paths: ['a', 'b > qs'] })], summary: { critical: 0, high: 1, medium: 0, low: 0, none: 0, unknown: 0 } }));
    for (const line of text.split('\n')) expect(line).toBe(line.trimEnd());
  });

  it('says so when nothing is vulnerable, and prints the notes', () => {
    expect(formatScanTable(report({ notes: ['npm-shrinkwrap.json is read; package-lock.json is not, as in npm'] }))).toBe(
      [
        'Scanned services/checkout: 9 packages from services/checkout/package-lock.json',
        'No known vulnerabilities.',
        '',
        'note: npm-shrinkwrap.json is read; package-lock.json is not, as in npm',
      ].join('\n'),
    );
  });

  it('says nothing was checked when there was nothing to read', () => {
    const text = formatScanTable(report({ packages: 0, sources: [], notes: ['no package-lock.json …'] }));
    expect(text.split('\n').slice(0, 2)).toEqual(['Scanned services/checkout: 0 packages', 'Nothing was checked.']);
  });
});
