import { compareFindings } from './summary.ts';
import { SEVERITIES } from './types.ts';
import type { Finding, ScanReport } from './types.ts';

const COLUMNS = ['SEVERITY', 'CVSS', 'PACKAGE', 'INSTALLED', 'FIXED IN', 'ADVISORY', 'ALIASES', 'SUMMARY', 'PATH'] as const;
/** Long summaries would push the path off the screen; the JSON output has them whole. */
const SUMMARY_WIDTH = 48;

/**
 * The report as text for a terminal: what was read, one row per finding worst
 * first (more paths on the lines below), a count by severity, and the notes.
 */
export function formatScanTable(report: ScanReport): string {
  const lines = [`Scanned ${report.artifact}: ${plural(report.packages, 'package')}${report.sources.length ? ` from ${report.sources.join(', ')}` : ''}`];
  if (report.findings.length === 0) {
    lines.push(report.packages > 0 ? 'No known vulnerabilities.' : 'Nothing was checked.');
  } else {
    lines.push('', ...table(rowsOf([...report.findings].sort(compareFindings))), '', totals(report));
  }
  if (report.notes.length > 0) lines.push('', ...report.notes.map((note) => `note: ${note}`));
  return lines.join('\n');
}

function rowsOf(findings: readonly Finding[]): string[][] {
  return findings.flatMap((finding) => {
    const [firstPath = '', ...otherPaths] = finding.paths;
    const row = [
      finding.severity.toUpperCase(),
      finding.cvssScore === undefined ? '-' : finding.cvssScore.toFixed(1),
      finding.dev ? `${finding.package} (dev)` : finding.package,
      finding.version,
      finding.fixedVersion ?? '-',
      finding.advisoryId,
      finding.aliases.join(', ') || '-',
      truncate(finding.summary, SUMMARY_WIDTH),
      firstPath,
    ];
    return [row, ...otherPaths.map((path) => [...new Array<string>(COLUMNS.length - 1).fill(''), path])];
  });
}

function table(rows: string[][]): string[] {
  const all = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

function totals(report: ScanReport): string {
  const counts = SEVERITIES.filter((severity) => report.summary[severity] > 0).map((severity) => `${report.summary[severity]} ${severity}`);
  const dev = report.findings.filter((finding) => finding.dev).length;
  return `${plural(report.findings.length, 'finding')}: ${counts.join(', ')}${dev ? ` (${dev} only in dev dependencies)` : ''}`;
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
