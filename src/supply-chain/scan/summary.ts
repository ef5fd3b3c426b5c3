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
    a.version.localeCompare(b.version, undefined, { numeric: true }) ||
    a.advisoryId.localeCompare(b.advisoryId)
  );
}
