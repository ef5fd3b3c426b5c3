import type { PolicyEvaluation } from './types.ts';

/**
 * The evaluation for a terminal: one line per policy that applies (✓ or ✗,
 * its name, and for a denial the message and any evaluation error), the
 * policies scoped elsewhere, and the verdict.
 */
export function formatPolicyReport(evaluation: PolicyEvaluation): string {
  const lines = evaluation.results.map((result) => {
    if (result.ok) return `✓ ${result.name}`;
    const error = result.error === undefined ? '' : ` (${result.error})`;
    return `✗ ${result.name}: ${result.message ?? ''}${error}`;
  });
  if (evaluation.skipped.length > 0) {
    const names = evaluation.skipped.map((policy) => `${policy.name} (${policy.environments.join(', ')})`).join(', ');
    lines.push(`- not for ${evaluation.environment}: ${names}`);
  }
  lines.push(verdict(evaluation));
  return lines.join('\n');
}

function verdict({ allowed, environment, results, violations }: PolicyEvaluation): string {
  if (results.length === 0) return `Allowed: no policy applies to ${environment}.`;
  if (allowed) return `Allowed: ${count(results.length)} passed in ${environment}.`;
  return `Denied: ${violations.length} of ${count(results.length)} failed in ${environment}.`;
}

function count(n: number): string {
  return n === 1 ? '1 policy' : `${n} policies`;
}
