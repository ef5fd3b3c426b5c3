import type { AdvisoryDatabase } from './advisory-database.ts';
import { readArtifactInventory } from './artifact.ts';
import { installedPackages, mergeInstalled } from './dependency-graph.ts';
import { findVulnerabilities } from './match.ts';
import { parseVersion } from './osv-range.ts';
import { compareFindings, summarize } from './summary.ts';
import type { ScanReport } from './types.ts';

/**
 * Scans a service folder: reads its lockfile and CycloneDX SBOMs, and checks
 * every installed package version against the advisory database.
 */
export async function scanArtifact(dir: string, db: AdvisoryDatabase): Promise<ScanReport> {
  const inventory = await readArtifactInventory(dir);
  const packages = mergeInstalled(inventory.graphs.flatMap(installedPackages));
  const findings = findVulnerabilities(packages, db).sort(compareFindings);
  const notes = [...inventory.notes];
  const unversioned = packages.filter((item) => parseVersion(item.version) === undefined);
  if (unversioned.length > 0) {
    const examples = unversioned.slice(0, 3).map((item) => `${item.name}@${item.version}`).join(', ');
    notes.push(`${unversioned.length} package${unversioned.length === 1 ? ' has' : 's have'} a version that is not SemVer (git, file or tarball); only advisories listing that exact version apply (${examples})`);
  }
  notes.push(...db.warnings.map((warning) => `advisory database: ${warning}`));
  return { artifact: dir, packages: packages.length, sources: inventory.sources, findings, summary: summarize(findings), notes };
}
