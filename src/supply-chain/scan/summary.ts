import { compare } from 'semver';
import { parseVersion } from './osv-range.ts';
import { compareSeverity } from './severity.ts';
import { SEVERITIES } from './types.ts';
import type { Finding, SeveritySummary, SeverityThreshold } from './types.ts';

/** How many findings there are of each severity. */
export function summarize(findings: readonly Finding[]): SeveritySummary {
  const summary = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as SeveritySummary;
  for (const finding of findings) summary[finding.severity] += 1;
  return summary;
}

const AT_OR_ABOVE: Record<SeverityThreshold, ReadonlyArray<keyof SeveritySummary>> = {
  none: [],
  low: ['low', 'medium', 'high', 'critical'],
  medium: ['medium', 'high', 'critical'],
  high: ['high', 'critical'],
  critical: ['critical'],
};

export interface ThresholdOptions {
  /**
   * Count findings of unknown severity as blocking (at any threshold but
   * `none`): a vulnerability nobody rated may be critical.
   * @default false
   */
  blockUnknown?: boolean;
}

/** True when the deployment should be blocked: some finding is at or above the threshold. */
export function meetsThreshold(summary: SeveritySummary, threshold: SeverityThreshold, options: ThresholdOptions = {}): boolean {
  if (threshold === 'none') return false;
  if (options.blockUnknown && summary.unknown > 0) return true;
  return AT_OR_ABOVE[threshold].some((severity) => summary[severity] > 0);
}

/** Worst first; then by CVSS score, package, version and advisory, so output is stable. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareSeverity(a.severity, b.severity) ||
    (b.cvssScore ?? -1) - (a.cvssScore ?? -1) ||
    a.package.localeCompare(b.package) ||
    compareVersions(a.version, b.version) ||
    a.advisoryId.localeCompare(b.advisoryId)
  );
}

/** By semver precedence (1.10.0 after 1.9.0, 2.0.0-rc.1 before 2.0.0); what is not a version sorts as text, numbers by value. */
function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (left && right) return compare(left, right) || a.localeCompare(b);
  return a.localeCompare(b, undefined, { numeric: true });
}
