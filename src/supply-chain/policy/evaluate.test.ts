import { describe, expect, it } from 'vitest';
import { compilePolicies } from './compile.ts';
import { evaluatePolicies } from './evaluate.ts';
import { ROLLING, testInput } from '../../../test/support/policy-input.ts';
import type { Policy } from './types.ts';

function evaluate(policies: Policy[], input = testInput()) {
  return evaluatePolicies(compilePolicies(policies), input);
}

describe('evaluatePolicies', () => {
  it('runs a policy only in the environments it names, and every policy without environments everywhere', () => {
    const policies: Policy[] = [
      { name: 'staging-only', expression: 'false', message: 'no', environments: ['staging'] },
      { name: 'everywhere', expression: 'deployment.instances > 0', message: 'no instances' },
      { name: 'production-or-staging', expression: 'true', message: 'never', environments: ['staging', 'production'] },
    ];
    const production = evaluate(policies, testInput({ environment: 'production' }));
    expect(production.results.map((result) => result.name)).toEqual(['everywhere', 'production-or-staging']);
    expect(production.skipped).toEqual([{ name: 'staging-only', environments: ['staging'] }]);
    expect(production.allowed).toBe(true);

    const staging = evaluate(policies, testInput({ environment: 'staging' }));
    expect(staging.results.map((result) => result.name)).toEqual(['staging-only', 'everywhere', 'production-or-staging']);
    expect(staging.allowed).toBe(false);
  });

  it('lists every violation in order, not just the first', () => {
    const evaluation = evaluate([
      { name: 'business-hours', expression: 'deployment.time.hour >= 9 && deployment.time.hour < 12', message: 'deploy before noon, not at {{time.hour}}h' },
      { name: 'small', expression: 'deployment.instances <= 2', message: '{{instances}} instances is too many' },
      { name: 'canary', expression: "deployment.strategy == 'canary'", message: 'use canary' },
      { name: 'not-friday', expression: "deployment.time.weekday != 'fri'", message: 'not on fridays' },
    ], testInput({ strategy: ROLLING }));
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.violations).toEqual([
      { name: 'business-hours', message: 'deploy before noon, not at 14h' },
      { name: 'small', message: '3 instances is too many' },
      { name: 'canary', message: 'use canary' },
    ]);
    expect(evaluation.results.map((result) => result.ok)).toEqual([false, false, false, true]);
  });

  it('fails closed: an expression that errors at runtime is a violation that names the error', () => {
    // keyId is absent for a signature that is not valid.
    const evaluation = evaluate(
      [{ name: 'release-key', expression: "deployment.signature.keyId == 'E7620F1842B4E81F'", message: 'sign with the release key' }],
      testInput({}, { signature: { state: 'missing' } }),
    );
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.violations).toEqual([
      {
        name: 'release-key',
        message: 'sign with the release key',
        error: 'could not evaluate: field not found: keyId; check optional fields with has(…) first',
      },
    ]);
  });

  it('fails closed on a type error found only at runtime', () => {
    const evaluation = evaluate([{ name: 'typo', expression: "deployment.instances + 'x' == 'y'", message: 'm' }]);
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.results[0]).toMatchObject({ ok: false, error: expect.stringMatching(/^could not evaluate: found no matching overload/) as unknown });
  });

  it('denies when the expression is not a boolean, saying what it gave', () => {
    const evaluation = evaluate([
      { name: 'a-number', expression: 'deployment.instances', message: 'm' },
      { name: 'a-string', expression: 'deployment.service', message: 'm' },
      { name: 'a-map', expression: 'deployment.scan', message: 'm' },
    ]);
    expect(evaluation.violations.map((violation) => violation.error)).toEqual([
      'the expression gave the number 3, not true or false',
      'the expression gave the string "hello", not true or false',
      'the expression gave a map, not true or false',
    ]);
  });

  it('lets policies guard optional fields with has() and read the spec', () => {
    const evaluation = evaluate([
      { name: 'release-key', expression: "!has(deployment.signature.keyId) || deployment.signature.keyId.startsWith('E76')", message: 'm' },
      { name: 'node', expression: "deployment.spec.run.command[0] == 'node' && deployment.spec.healthCheck.path == '/healthz'", message: 'm' },
      { name: 'no-debug', expression: "!('DEBUG' in deployment.spec.run.env)", message: 'm' },
      { name: 'steps', expression: "deployment.spec.strategy.steps.exists(step, has(step.setWeight) && step.setWeight <= 20)", message: 'm' },
      { name: 'even', expression: 'int(deployment.revision) % 2 == 1', message: 'm' },
      { name: 'strings-extension', expression: "deployment.author.upperAscii() == 'ALICE'", message: 'm' },
    ]);
    expect(evaluation.violations).toEqual([]);
  });

  it('fills message placeholders from the input, with or without "deployment." and showing absent fields as (not set)', () => {
    const [violation] = evaluate(
      [
        {
          name: 'everything',
          expression: 'false',
          message: '{{service}}@{{ deployment.version }} r{{revision}} by {{author}} at {{time.iso}} via {{spec.run.command}} ({{spec.run.command.0}}), key {{signature.keyId}}, scan {{ scan.critical }}',
        },
      ],
      testInput({}, { signature: { state: 'missing' } }),
    ).violations;
    expect(violation?.message).toBe('hello@2.0.0 r7 by alice at 2025-03-12T14:30:00.000Z via ["node","server.js"] (node), key (not set), scan 0');
  });
});
