/**
 * The vulnerability scan of a deployment artifact: what a Node.js service
 * installs (package-lock.json v1–v3, CycloneDX JSON SBOMs) checked against
 * an OSV advisory database.
 */
export { scanArtifact } from './scan.ts';
export { loadAdvisoryDatabase, createAdvisoryDatabase } from './advisory-database.ts';
export type { AdvisoryDatabase, AdvisorySource } from './advisory-database.ts';
export { meetsThreshold, summarize } from './summary.ts';
export type { ThresholdOptions } from './summary.ts';
export { formatScanTable } from './table.ts';
export { cvssBaseScore } from './cvss.ts';
export { severityOfScore } from './severity.ts';
export { SEVERITIES } from './types.ts';
export type { Finding, ScanReport, Severity, SeveritySummary, SeverityThreshold } from './types.ts';
