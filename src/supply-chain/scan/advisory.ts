import { compileRange } from './osv-range.ts';
import type { VersionRange } from './osv-range.ts';
import type { OsvRecord } from './osv.ts';
import { rateAdvisory } from './severity.ts';
import type { SeverityRating } from './severity.ts';

/** The only ecosystem the scanner reads; OSV ecosystem names are case-sensitive. */
export const NPM_ECOSYSTEM = 'npm';

/** An OSV record reduced to what a scan needs, for npm packages only. */
export interface Advisory {
  id: string;
  aliases: string[];
  summary: string;
  url?: string;
  affected: AffectedPackage[];
}

/** One npm package an advisory names, with the versions it affects. */
export interface AffectedPackage {
  name: string;
  versions: string[];
  ranges: VersionRange[];
  rating: SeverityRating;
}

/**
 * Compiles a record. Returns no advisory when it is withdrawn or names no npm
 * package; a range that cannot be evaluated is dropped with a problem, so the
 * rest of the record still counts.
 */
export function compileAdvisory(record: OsvRecord): { advisory?: Advisory; problems: string[] } {
  const problems: string[] = [];
  if (record.withdrawn) return { problems };
  const affected: AffectedPackage[] = [];
  for (const [index, entry] of (record.affected ?? []).entries()) {
    if (entry.package?.ecosystem !== NPM_ECOSYSTEM) continue;
    const ranges: VersionRange[] = [];
    for (const [rangeIndex, range] of (entry.ranges ?? []).entries()) {
      const compiled = compileRange(range);
      if ('range' in compiled) ranges.push(compiled.range);
      else if ('problem' in compiled) problems.push(`affected[${index}].ranges[${rangeIndex}] is ignored: ${compiled.problem}`);
    }
    affected.push({
      name: entry.package.name,
      versions: entry.versions ?? [],
      ranges,
      // The schema puts per-package severity in `affected[].severity` and forbids the top-level one then.
      rating: rateAdvisory(record.database_specific?.severity, entry.severity ?? record.severity ?? []),
    });
  }
  if (affected.length === 0) return { problems };
  const url = (record.references ?? []).find((reference) => reference.type === 'ADVISORY')?.url ?? record.references?.[0]?.url;
  return {
    advisory: {
      id: record.id,
      aliases: record.aliases ?? [],
      summary: record.summary?.trim() || firstLine(record.details ?? ''),
      ...(url ? { url } : {}),
      affected,
    },
    problems,
  };
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
