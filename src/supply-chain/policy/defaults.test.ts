import { describe, expect, it } from 'vitest';
import { compilePolicies } from './compile.ts';
import { DEFAULT_POLICIES } from './defaults.ts';
import { evaluatePolicies } from './evaluate.ts';
import { BLUE_GREEN, CLEAN_SCAN, ROLLING, testInput } from '../../../test/support/policy-input.ts';
import type { PolicyInput } from './types.ts';

const defaults = compilePolicies(DEFAULT_POLICIES);

function violated(input: PolicyInput): string[] {
  return evaluatePolicies(defaults, input).violations.map((violation) => violation.name);
}

describe('the default policies', () => {
  it('allow a canary of a signed, cleanly scanned artifact in production', () => {
    const evaluation = evaluatePolicies(defaults, testInput());
    expect(evaluation.allowed).toBe(true);
    expect(evaluation.results.map((result) => [result.name, result.ok])).toEqual([
      ['production-progressive-strategy', true],
      ['production-signed-artifact', true],
      ['production-no-critical-findings', true],
    ]);
  });

  it('production-progressive-strategy allows blueGreen and denies rolling in production', () => {
    expect(violated(testInput({ strategy: BLUE_GREEN }))).toEqual([]);
    expect(violated(testInput({ strategy: ROLLING }))).toEqual(['production-progressive-strategy']);
    const [violation] = evaluatePolicies(defaults, testInput({ strategy: ROLLING })).violations;
    expect(violation?.message).toBe(
      'hello uses the rolling strategy, but production deployments must use canary or blueGreen, so the new version is checked before it takes all the traffic',
    );
  });

  it.each(['missing', 'invalid', 'untrusted', 'not-checked'] as const)('production-signed-artifact denies a signature that is %s', (state) => {
    const evaluation = evaluatePolicies(defaults, testInput({}, { signature: { state } }));
    expect(evaluation.violations.map((violation) => violation.name)).toEqual(['production-signed-artifact']);
    expect(evaluation.violations[0]?.message).toContain(`but its signature is ${state}`);
  });

  it('production-no-critical-findings denies a critical finding but allows high ones', () => {
    expect(violated(testInput({}, { scan: { ...CLEAN_SCAN, critical: 1 } }))).toEqual(['production-no-critical-findings']);
    expect(violated(testInput({}, { scan: { ...CLEAN_SCAN, high: 4 } }))).toEqual([]);
  });

  it('production-no-critical-findings denies an artifact that was not scanned, without an evaluation error', () => {
    const evaluation = evaluatePolicies(defaults, testInput({}, { scan: undefined }));
    expect(evaluation.violations).toEqual([
      {
        name: 'production-no-critical-findings',
        message:
          'the artifact of hello 2.0.0 must be scanned and free of critical findings to run in production (scan: not-scanned, critical: (not set)); upgrade the affected packages',
      },
    ]);
  });

  it('apply to production only: a rolling, unsigned, unscanned deployment to staging is allowed', () => {
    const evaluation = evaluatePolicies(defaults, testInput({ environment: 'staging', strategy: ROLLING }, { signature: { state: 'missing' }, scan: undefined }));
    expect(evaluation).toMatchObject({ allowed: true, environment: 'staging', results: [], violations: [] });
    expect(evaluation.skipped.map((policy) => policy.name)).toEqual(DEFAULT_POLICIES.map((policy) => policy.name));
  });
});
