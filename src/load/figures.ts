/** Figures drawn from what the load generator recorded: percentiles, versions served, who answered. */
import type { LoadReport } from './types.ts';

/** Responses per version among those that ended in the last `windowMs` of the report. */
export function lastVersions(report: LoadReport, windowMs: number): Record<string, number> {
  const from = report.durationMs - windowMs;
  const counts: Record<string, number> = {};
  for (const record of report.timeline) {
    if (record.at < from) continue;
    const version = record.version ?? `(status ${record.status})`;
    counts[version] = (counts[version] ?? 0) + 1;
  }
  return counts;
}

/** The p-th percentile (0–100) by nearest rank; 0 for no values. */
export function percentile(values: number[], p: number): number {
  return sortedPercentile(Float64Array.from(values).sort(), p);
}

/** The p-th percentile of values already sorted ascending. */
export function sortedPercentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

/** The `version` and `revision` a JSON body names, if it is JSON and names them (examples/hello answers both). */
export function identify(body: string): { version?: string; revision?: string } {
  if (!body.startsWith('{')) return {};
  try {
    const parsed = JSON.parse(body) as { version?: unknown; revision?: unknown };
    const found: { version?: string; revision?: string } = {};
    if (parsed.version !== undefined && parsed.version !== null) found.version = String(parsed.version);
    if (parsed.revision !== undefined && parsed.revision !== null) found.revision = String(parsed.revision);
    return found;
  } catch {
    return {};
  }
}
