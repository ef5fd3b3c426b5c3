import { cvssBaseScore } from './cvss.ts';
import type { OsvSeverity } from './osv.ts';
import type { Severity } from './types.ts';

export interface SeverityRating {
  severity: Severity;
  cvssScore?: number;
  cvssVector?: string;
}

/** The GitHub Advisory Database's words for severity (`database_specific.severity`). */
const DATABASE_SEVERITY: Record<string, Severity> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MODERATE: 'medium',
  MEDIUM: 'medium',
  LOW: 'low',
};

/** The CVSS qualitative rating of a score (the same bands in the v3.1 and v4.0 specifications). */
export function severityOfScore(score: number): Severity {
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/** Which CVSS vector scores an advisory that has several: v3 first, as the databases have long shown it. */
const SCORED_TYPES = ['CVSS_V3', 'CVSS_V4'] as const;

/**
 * Rates an advisory: the database's own word when it gives one (a reviewer
 * weighed the npm case), else the CVSS base score of its v3 vector, or of
 * its v4 vector when it has no valid v3 one. Another vector (v2) is kept for
 * people to read but not scored here.
 */
export function rateAdvisory(databaseSeverity: unknown, scores: readonly OsvSeverity[]): SeverityRating {
  const fromDatabase = typeof databaseSeverity === 'string' ? DATABASE_SEVERITY[databaseSeverity.toUpperCase()] : undefined;
  for (const type of SCORED_TYPES) {
    for (const entry of scores) {
      if (entry.type !== type) continue;
      const cvssScore = cvssBaseScore(entry.score);
      if (cvssScore === undefined) continue;
      return { severity: fromDatabase ?? severityOfScore(cvssScore), cvssScore, cvssVector: entry.score };
    }
  }
  const otherVector = scores.find((entry) => entry.score.startsWith('CVSS:'))?.score;
  return { severity: fromDatabase ?? 'unknown', ...(otherVector ? { cvssVector: otherVector } : {}) };
}

/** Worst first; `unknown` sorts above `none` because it may be anything. */
const DISPLAY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, unknown: 4, none: 5 };

export function compareSeverity(a: Severity, b: Severity): number {
  return DISPLAY_ORDER[a] - DISPLAY_ORDER[b];
}
