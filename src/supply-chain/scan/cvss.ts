/**
 * The CVSS v3.x base score (FIRST, CVSS v3.1 specification, section 7.1).
 * v3.0 and v3.1 share the base formula; the v3.1 Roundup is used for both
 * because it is the one that gives the intended result in floating point.
 */

const ATTACK_VECTOR: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const ATTACK_COMPLEXITY: Record<string, number> = { L: 0.77, H: 0.44 };
const PRIVILEGES_UNCHANGED: Record<string, number> = { N: 0.85, L: 0.62, H: 0.27 };
/** Privileges weigh more when the attack reaches beyond the vulnerable component. */
const PRIVILEGES_CHANGED: Record<string, number> = { N: 0.85, L: 0.68, H: 0.5 };
const USER_INTERACTION: Record<string, number> = { N: 0.85, R: 0.62 };
const IMPACT: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };
const SCOPE = new Set(['U', 'C']);

const BASE_METRICS = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'] as const;
/** Temporal and environmental metrics may follow the base ones; the base score ignores them. */
const OTHER_METRICS = new Set(['E', 'RL', 'RC', 'CR', 'IR', 'AR', 'MAV', 'MAC', 'MPR', 'MUI', 'MS', 'MC', 'MI', 'MA']);

/** The base score of a `CVSS:3.0/…` or `CVSS:3.1/…` vector; undefined when the vector is not valid. */
export function cvss3BaseScore(vector: string): number | undefined {
  const metrics = parseVector(vector);
  if (!metrics) return undefined;
  const changed = metrics.S === 'C';
  const weight = (table: Record<string, number>, key: string): number | undefined => table[metrics[key] ?? ''];
  const av = weight(ATTACK_VECTOR, 'AV');
  const ac = weight(ATTACK_COMPLEXITY, 'AC');
  const pr = weight(changed ? PRIVILEGES_CHANGED : PRIVILEGES_UNCHANGED, 'PR');
  const ui = weight(USER_INTERACTION, 'UI');
  const c = weight(IMPACT, 'C');
  const i = weight(IMPACT, 'I');
  const a = weight(IMPACT, 'A');
  if (av === undefined || ac === undefined || pr === undefined || ui === undefined) return undefined;
  if (c === undefined || i === undefined || a === undefined || !SCOPE.has(metrics.S ?? '')) return undefined;

  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  return roundUp(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
}

/**
 * The smallest number with one decimal that is equal to or higher than the
 * input (CVSS v3.1 Appendix A): working in integers keeps 4.000000000000001
 * from rounding up to 4.1.
 */
export function roundUp(value: number): number {
  const integer = Math.round(value * 100_000);
  return integer % 10_000 === 0 ? integer / 100_000 : (Math.floor(integer / 10_000) + 1) / 10;
}

function parseVector(vector: string): Record<string, string> | undefined {
  const [prefix, ...parts] = vector.trim().split('/');
  if (prefix !== 'CVSS:3.0' && prefix !== 'CVSS:3.1') return undefined;
  const metrics: Record<string, string> = {};
  for (const part of parts) {
    const [key, value, extra] = part.split(':');
    if (!key || !value || extra !== undefined || key in metrics) return undefined;
    if (!(BASE_METRICS as readonly string[]).includes(key) && !OTHER_METRICS.has(key)) return undefined;
    metrics[key] = value;
  }
  return BASE_METRICS.every((key) => key in metrics) ? metrics : undefined;
}
