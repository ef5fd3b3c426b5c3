import { describe, expect, it } from 'vitest';
import { compilePolicies } from './compile.ts';
import { DEFAULT_POLICIES } from './defaults.ts';
import { evaluatePolicies } from './evaluate.ts';
import { formatPolicyReport } from './report.ts';
import { testInput } from '../../../test/support/policy-input.ts';

describe('formatPolicyReport', () => {
  it('prints one line per policy with ✓ or ✗, the message and the error of a denial, then the verdict', () => {
    const compiled = compilePolicies([
      ...DEFAULT_POLICIES,
      { name: 'release-key', expression: "deployment.signature.keyId == 'K1'", message: 'sign with the release key' },
      { name: 'staging-soak', expression: 'false', message: 'never', environments: ['staging'] },
    ]);
    const report = formatPolicyReport(evaluatePolicies(compiled, testInput({}, { signature: { state: 'untrusted' } })));
    expect(report.split('\n')).toEqual([
      '✓ production-progressive-strategy',
      '✗ production-signed-artifact: the artifact of hello 2.0.0 must have a valid signature to run in production, but its signature is untrusted; sign it with `minisign -S -m <file>` with a key production trusts',
      '✓ production-no-critical-findings',
      '✗ release-key: sign with the release key (could not evaluate: field not found: keyId; check optional fields with has(…) first)',
      '- not for production: staging-soak (staging)',
      'Denied: 2 of 4 policies failed in production.',
    ]);
  });

  it('says when everything passed, and when no policy applies', () => {
    const defaults = compilePolicies(DEFAULT_POLICIES);
    expect(formatPolicyReport(evaluatePolicies(defaults, testInput())).split('\n').at(-1)).toBe('Allowed: 3 policies passed in production.');
    expect(formatPolicyReport(evaluatePolicies(defaults, testInput({ environment: 'development' }))).split('\n')).toEqual([
      '- not for development: production-progressive-strategy (production), production-signed-artifact (production), production-no-critical-findings (production)',
      'Allowed: no policy applies to development.',
    ]);
  });
});
