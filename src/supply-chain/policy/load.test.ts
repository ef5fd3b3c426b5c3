import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { DEFAULT_POLICIES } from './defaults.ts';
import { evaluatePolicies } from './evaluate.ts';
import { loadPolicies, parsePolicies } from './load.ts';
import { testInput } from '../../../test/support/policy-input.ts';

function problemsOf(text: string): { path: string; message: string }[] {
  try {
    parsePolicies(text, 'policies.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe(ErrorCode.InvalidRequest);
    return (error as CutoverError).problems;
  }
  throw new Error('expected parsePolicies to throw');
}

const DEFAULT_NAMES = DEFAULT_POLICIES.map((policy) => policy.name);

describe('loadPolicies', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cutover-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a YAML file and puts the defaults first', async () => {
    const file = join(dir, 'policies.yaml');
    await writeFile(
      file,
      [
        'policies:',
        '  - name: business-hours',
        '    expression: deployment.time.hour >= 9 && deployment.time.hour < 17',
        '    message: "deploy between 09:00 and 17:00 UTC, not at {{time.hour}}h"',
        '    environments: [production]',
      ].join('\n'),
    );
    const compiled = await loadPolicies(file);
    expect(compiled.map((policy) => policy.policy.name)).toEqual([...DEFAULT_NAMES, 'business-hours']);
    const evaluation = evaluatePolicies(compiled, testInput({}, { now: new Date('2025-03-12T20:00:00Z') }));
    expect(evaluation.violations).toEqual([{ name: 'business-hours', message: 'deploy between 09:00 and 17:00 UTC, not at 20h' }]);
  });

  it('says a missing file does not exist', async () => {
    await expect(loadPolicies(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: ErrorCode.NotFound, message: expect.stringContaining('does not exist') as unknown });
  });

  it('leaves the defaults out with defaults: false', () => {
    const compiled = parsePolicies('defaults: false\npolicies:\n  - { name: canary-only, expression: "deployment.strategy == \'canary\'", message: use canary }');
    expect(compiled.map((policy) => policy.policy.name)).toEqual(['canary-only']);
  });

  it('gives the defaults alone for an empty file', () => {
    expect(parsePolicies('').map((policy) => policy.policy.name)).toEqual(DEFAULT_NAMES);
  });

  it('names every problem of shape and CEL at once, in the order of the file, with its field path', () => {
    const problems = problemsOf(
      [
        'default: false',
        'policies:',
        '  - name: ok',
        '    expression: "true"',
        '    message: fine',
        '  - name: broken',
        '    expression: deployment.instances >',
        '    message: m',
        '  - name: 42',
        '    expression: "true"',
        '    envs: [production]',
        '  - just text',
        '  - name: scoped',
        '    expression: "true"',
        '    message: m',
        '    environments: [production, 3]',
      ].join('\n'),
    );
    expect(problems.map((problem) => problem.path)).toEqual([
      'default',
      'policies[1].expression',
      'policies[2].envs',
      'policies[2].name',
      'policies[2].message',
      'policies[3]',
      'policies[4].environments[1]',
    ]);
    expect(problems).toContainEqual({ path: 'default', message: 'unknown field "default"; allowed here: policies, defaults' });
    expect(problems).toContainEqual({ path: 'policies[2].name', message: 'expected text (a name such as "production-signed-artifact"), got 42' });
    expect(problems).toContainEqual({ path: 'policies[2].message', message: 'is required: expected the message shown when the policy denies' });
    expect(problems).toContainEqual({ path: 'policies[3]', message: 'expected a mapping with name, expression and message, got "just text"' });
  });

  it('rejects a policy named like a default unless the defaults are off', () => {
    const text = (defaults: boolean) => `defaults: ${defaults}\npolicies:\n  - { name: production-signed-artifact, expression: "true", message: m }`;
    expect(problemsOf(text(true))).toEqual([
      {
        path: 'policies[0].name',
        message: '"production-signed-artifact" is the name of a default policy; rename this one, or set defaults: false and write your own',
      },
    ]);
    expect(parsePolicies(text(false)).map((policy) => policy.policy.name)).toEqual(['production-signed-artifact']);
  });

  it('rejects defaults that are not true or false, and policies that are not a list', () => {
    expect(problemsOf('defaults: "no"\npolicies: {}')).toEqual([
      { path: 'defaults', message: 'expected true or false, got "no"' },
      { path: 'policies', message: 'expected a list of policies, got a mapping' },
    ]);
  });

  it('reports a YAML syntax error with its line and column', () => {
    expect(() => parsePolicies('policies:\n  - name: [unclosed\n', 'policies.yaml')).toThrow(/^policies\.yaml is not valid YAML or JSON: line \d+, column \d+: /);
  });

  // Found by the fuzz suite (test/support/fuzz/pure-targets.ts): an unresolved alias was refused with no field named.
  it('names the document as the field when it cannot be turned into values (an unresolved alias)', () => {
    expect(problemsOf('*Va')).toEqual([{ path: '', message: expect.stringMatching(/Unresolved alias/) }]);
  });
});
