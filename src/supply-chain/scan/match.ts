import type { Advisory, AffectedPackage } from './advisory.ts';
import type { AdvisoryDatabase } from './advisory-database.ts';
import { listedVersion, lowestFixedAbove, parseVersion, rangeIncludes } from './osv-range.ts';
import { compareSeverity } from './severity.ts';
import type { SeverityRating } from './severity.ts';
import type { Finding, InstalledPackage } from './types.ts';

/** The findings for installed packages: one per package version and vulnerability. */
export function findVulnerabilities(packages: readonly InstalledPackage[], db: AdvisoryDatabase): Finding[] {
  return packages.flatMap((installed) => {
    const findings: Finding[] = [];
    for (const advisory of db.byPackage.get(installed.name) ?? []) {
      const finding = findingFor(installed, advisory);
      if (finding) findings.push(finding);
    }
    return withoutAliasDuplicates(findings);
  });
}

/** `IsVulnerable` for one package: any matching `affected` entry, by its versions list or its ranges. */
export function isAffected(entry: AffectedPackage, version: string): boolean {
  if (listedVersion(entry.versions, version)) return true;
  const parsed = parseVersion(version);
  return parsed !== undefined && entry.ranges.some((range) => rangeIncludes(range, parsed));
}

function findingFor(installed: InstalledPackage, advisory: Advisory): Finding | undefined {
  const entries = advisory.affected.filter((entry) => entry.name === installed.name && isAffected(entry, installed.version));
  const [first, ...others] = entries;
  if (!first) return undefined;
  const rating = others.reduce<SeverityRating>((worst, entry) => (compareSeverity(entry.rating.severity, worst.severity) < 0 ? entry.rating : worst), first.rating);
  const parsed = parseVersion(installed.version);
  const fixed = parsed && lowestFixedAbove(entries.flatMap((entry) => entry.ranges), parsed);
  return {
    package: installed.name,
    version: installed.version,
    advisoryId: advisory.id,
    aliases: advisory.aliases,
    severity: rating.severity,
    ...(rating.cvssScore !== undefined ? { cvssScore: rating.cvssScore } : {}),
    ...(rating.cvssVector !== undefined ? { cvssVector: rating.cvssVector } : {}),
    summary: advisory.summary,
    ...(fixed ? { fixedVersion: fixed.version } : {}),
    paths: installed.paths.map((path) => path.join(' > ')),
    dev: installed.dev,
    ...(advisory.url ? { url: advisory.url } : {}),
  };
}

/**
 * Databases that mirror each other (a GHSA record and a CVE record listing it
 * as an alias) would report one vulnerability twice. Of records that share an
 * id, the rated one is kept, then the first by id.
 */
function withoutAliasDuplicates(findings: Finding[]): Finding[] {
  const ordered = [...findings].sort(
    (a, b) => Number(a.severity === 'unknown') - Number(b.severity === 'unknown') || a.advisoryId.localeCompare(b.advisoryId),
  );
  const kept: Finding[] = [];
  const claimed = new Set<string>();
  for (const finding of ordered) {
    const ids = [finding.advisoryId, ...finding.aliases];
    if (ids.some((id) => claimed.has(id))) continue;
    ids.forEach((id) => claimed.add(id));
    kept.push(finding);
  }
  return kept;
}
