/**
 * CVSS base scores of v3.0, v3.1 and v4.0 vectors, computed by
 * ae-cvss-calculator ({metæffekt}'s implementation of FIRST's
 * specifications). This file only decides which vectors it is given.
 */
import cvssCalculator from 'ae-cvss-calculator';

const CALCULATORS = {
  'CVSS:3.0': cvssCalculator.Cvss3P0,
  'CVSS:3.1': cvssCalculator.Cvss3P1,
  'CVSS:4.0': cvssCalculator.Cvss4P0,
} as const;

/**
 * The base score of a `CVSS:3.0/…`, `CVSS:3.1/…` or `CVSS:4.0/…` vector;
 * undefined when the vector is not valid. Temporal and environmental (v3),
 * threat, environmental and supplemental (v4) metrics may follow the base
 * ones and are ignored, so every version gives the score of the
 * vulnerability itself (CVSS-B in v4's words).
 */
export function cvssBaseScore(vector: string): number | undefined {
  const text = vector.trim();
  const [prefix = '', ...parts] = text.split('/');
  if (!Object.hasOwn(CALCULATORS, prefix) || !hasDistinctMetrics(parts)) return undefined;
  const Calculator = CALCULATORS[prefix as keyof typeof CALCULATORS];
  let parsed: InstanceType<typeof Calculator>;
  try {
    parsed = new Calculator(text);
  } catch {
    return undefined; // a metric or value that version does not have
  }
  // A missing base metric reads as "not defined" (X) to the calculator, which would then score 0.
  if (!parsed.isBaseFullyDefined()) return undefined;
  const scores = parsed.calculateScores();
  return 'baseMetricsOnly' in scores ? scores.baseMetricsOnly : scores.base;
}

/** Every part is `METRIC:VALUE` and no metric is given twice (the calculator would keep the last). */
function hasDistinctMetrics(parts: string[]): boolean {
  const seen = new Set<string>();
  for (const part of parts) {
    const [metric, value, extra] = part.split(':');
    if (!metric || !value || extra !== undefined || seen.has(metric)) return false;
    seen.add(metric);
  }
  return true;
}
