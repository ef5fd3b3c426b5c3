/**
 * How bad a finding is, worst first. `none` is a CVSS score of 0.0; `unknown`
 * is an advisory that gives nothing to rate it by.
 */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The gate of a deployment: block on a finding at or above this; `none` never blocks. */
export type SeverityThreshold = 'none' | 'low' | 'medium' | 'high' | 'critical';

/** How many findings there are of each severity. */
export type SeveritySummary = Record<Severity, number>;

/** One advisory that applies to one installed version of one package. */
export interface Finding {
  /** The npm name, `@scope/name` for a scoped package. */
  package: string;
  /** The installed version. */
  version: string;
  /** The advisory's id, e.g. `GHSA-8fh4-q2mv-7c3w`. */
  advisoryId: string;
  /** Other ids of the same vulnerability, e.g. `CVE-2021-23999`. */
  aliases: string[];
  severity: Severity;
  /** CVSS base score, when the advisory has a valid v3 or v4 vector. */
  cvssScore?: number;
  /** The CVSS vector the score (if any) came from. */
  cvssVector?: string;
  summary: string;
  /** The lowest version above the installed one that fixes it; absent when no fix is known. */
  fixedVersion?: string;
  /** How the service reaches the package: `express > body-parser > qs` (at most five, shortest first). */
  paths: string[];
  /** Only in the development tree: `npm ci --omit=dev` does not install it. */
  dev: boolean;
  /** Where to read more. */
  url?: string;
}

export interface ScanReport {
  /** The folder that was scanned. */
  artifact: string;
  /** Distinct package versions found. */
  packages: number;
  /** The lockfile and SBOMs the packages were read from. */
  sources: string[];
  /** Worst first. */
  findings: Finding[];
  summary: SeveritySummary;
  /** What the scan could not do, or did in a way worth knowing. */
  notes: string[];
}

/** One package version the artifact installs, with how it is reached. */
export interface InstalledPackage {
  name: string;
  version: string;
  dev: boolean;
  /** Each path is the names from a direct dependency down to this package. */
  paths: string[][];
}
