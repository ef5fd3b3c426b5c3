import { compare, parse } from 'semver';
import type { SemVer } from 'semver';
import { eventParts } from './osv.ts';
import type { OsvEventKind, OsvRange } from './osv.ts';

/**
 * OSV range evaluation, as the "Evaluation" section of the OSV schema gives it.
 * npm versions are SemVer, so SEMVER and ECOSYSTEM ranges of npm packages are
 * both ordered by SemVer 2.0 precedence (prereleases included, build ignored).
 */

/** `"0"` sorts before every version; a limit containing `"*"` after every version. */
type Bound = SemVer | 'zero' | 'infinity';

export interface RangeEvent {
  kind: OsvEventKind;
  /** As written in the advisory. */
  version: string;
  bound: Bound;
}

/** A range ready to evaluate: its events sorted by version. */
export interface VersionRange {
  events: RangeEvent[];
}

/** A package version as npm orders it; undefined for git, file and tarball "versions". */
export function parseVersion(version: string): SemVer | undefined {
  return parse(version, { loose: true }) ?? undefined;
}

/**
 * Prepares a range. GIT ranges need the repository's history, so they are left
 * to the record's `versions` list (which the OSV schema requires next to them).
 */
export function compileRange(range: OsvRange): { range: VersionRange } | { skip: true } | { problem: string } {
  if (range.type === 'GIT') return { skip: true };
  if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') return { problem: `range type "${range.type}" is not known` };
  const events: RangeEvent[] = [];
  for (const event of range.events) {
    const { kind, version } = eventParts(event);
    const bound = boundOf(kind, version);
    if (!bound) return { problem: `${kind} "${version}" is not a semantic version` };
    events.push({ kind, version, bound });
  }
  // Array.prototype.sort is stable: events at the same version keep the record's order.
  events.sort((a, b) => compareBounds(a.bound, b.bound));
  return { range: { events } };
}

function boundOf(kind: OsvEventKind, version: string): Bound | undefined {
  if (version === '0') return 'zero';
  if (kind === 'limit' && version.includes('*')) return 'infinity';
  return parseVersion(version);
}

function compareBounds(a: Bound, b: Bound): number {
  if (a === b) return 0;
  if (a === 'zero' || b === 'infinity') return -1;
  if (a === 'infinity' || b === 'zero') return 1;
  return compare(a, b);
}

/** `IncludedInRanges` for one range: walk the sorted events, each flipping "vulnerable". */
export function rangeIncludes(range: VersionRange, version: SemVer): boolean {
  if (!beforeLimits(range, version)) return false;
  let vulnerable = false;
  for (const event of range.events) {
    const order = compareBounds(version, event.bound);
    if (event.kind === 'introduced' && order >= 0) vulnerable = true;
    else if (event.kind === 'fixed' && order >= 0) vulnerable = false;
    else if (event.kind === 'last_affected' && order > 0) vulnerable = false;
  }
  return vulnerable;
}

/** With no limit events an implicit `limit: "*"` applies; with several, being below any one is enough. */
function beforeLimits(range: VersionRange, version: SemVer): boolean {
  const limits = range.events.filter((event) => event.kind === 'limit');
  return limits.length === 0 || limits.some((limit) => compareBounds(version, limit.bound) < 0);
}

/** The lowest `fixed` version above `version`, among the given ranges. */
export function lowestFixedAbove(ranges: readonly VersionRange[], version: SemVer): RangeEvent | undefined {
  let lowest: RangeEvent | undefined;
  for (const range of ranges) {
    for (const event of range.events) {
      if (event.kind !== 'fixed' || compareBounds(event.bound, version) <= 0) continue;
      if (!lowest || compareBounds(event.bound, lowest.bound) < 0) lowest = event;
    }
  }
  return lowest;
}

/** `IncludedInVersions`: equal as strings, or equal as versions (`1.0.0` and `v1.0.0`). */
export function listedVersion(versions: readonly string[], version: string): boolean {
  const parsed = parseVersion(version);
  return versions.some((listed) => {
    if (listed === version) return true;
    const other = parseVersion(listed);
    return parsed !== undefined && other !== undefined && compare(other, parsed) === 0;
  });
}
