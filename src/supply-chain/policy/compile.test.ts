import { describe, expect, it } from 'vitest';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { compilePolicies } from './compile.ts';
import { evaluatePolicies } from './evaluate.ts';
import { testInput } from '../../../test/support/policy-input.ts';
import type { Policy } from './types.ts';

function problemsOf(policies: Policy[]): { path: string; message: string }[] {
  try {
    compilePolicies(policies);
  } catch (error) {
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe(ErrorCode.InvalidRequest);
    return (error as CutoverError).problems;
  }
  throw new Error('expected compilePolicies to throw');
}

const ok = (name: string, expression = 'true'): Policy => ({ name, expression, message: 'denied' });

describe('compilePolicies', () => {
  it('compiles valid policies in order', () => {
    const compiled = compilePolicies([ok('first'), ok('second', "deployment.strategy == 'canary'")]);
    expect(compiled.map((policy) => policy.policy.name)).toEqual(['first', 'second']);
  });

  it('lists every invalid expression at once, each with its path', () => {
    const problems = problemsOf([ok('good'), ok('broken', 'deployment.instances >'), ok('fine'), ok('unclosed', "deployment.strategy in ['canary'")]);
    expect(problems.map((problem) => problem.path)).toEqual(['policies[1].expression', 'policies[3].expression']);
    expect(problems[0]?.message).toMatch(/^is not valid CEL: at line 1, column \d+: /);
  });

  it('says in the error message how many problems there are and what to do', () => {
    expect(() => compilePolicies([ok('a', '('), ok('b', ')')])).toThrow('The policies are not valid (2 problems); fix the fields below and try again');
  });

  it('rejects a misspelled variable or an unknown function when loading, not when a deployment is checked', () => {
    const problems = problemsOf([ok('typo', "deploymnet.strategy == 'canary'"), ok('no-such-function', 'isFriday(deployment.time)')]);
    expect(problems).toEqual([
      { path: 'policies[0].expression', message: 'is not valid CEL: "deploymnet" is not defined; the input is the variable "deployment"' },
      { path: 'policies[1].expression', message: 'is not valid CEL: calls "isFriday", which is not a CEL function here' },
    ]);
  });

  it('accepts macros, their variables, type names, has(), the ternary and the strings extension, which then run without errors', () => {
    const expressions = [
      "deployment.spec.run.command.all(part, part != '')",
      "deployment.spec.strategy.steps.map(step, has(step.setWeight) ? step.setWeight : 0.0).exists(weight, weight > 50.0)",
      "deployment.spec.run.command.filter(c, c.startsWith('n')).size() == 1",
      "deployment.spec.run.env.exists_one(key, key == 'A') || true",
      'type(deployment.instances) == double && dyn(deployment.instances) != null',
      "deployment.version.split('.')[0] == '2'",
      "deployment.service.matches('^[a-z]+$') && size(deployment.service) < 64",
      "timestamp(deployment.time.iso) > timestamp('2020-01-01T00:00:00Z')",
      "{'a': deployment.service}['a'] == deployment.service",
    ];
    const compiled = compilePolicies(expressions.map((expression, index) => ok(`p${index}`, expression)));
    expect(evaluatePolicies(compiled, testInput()).results.filter((result) => result.error !== undefined)).toEqual([]);
  });

  it('names an empty expression, an empty message, a bad name and an empty environment list', () => {
    const problems = problemsOf([{ name: 'Bad Name', expression: ' ', message: '', environments: [] }]);
    expect(problems).toEqual([
      { path: 'policies[0].name', message: 'expected lowercase letters, digits and "-", starting with a letter, got "Bad Name"' },
      { path: 'policies[0].expression', message: 'is empty: expected a CEL expression that is true when the deployment is allowed' },
      { path: 'policies[0].message', message: 'is empty: say what is wrong and what to do about it' },
      { path: 'policies[0].environments', message: 'is empty, so the policy would never apply; leave it out to apply everywhere' },
    ]);
  });

  it('rejects a message placeholder that is not a field of the input', () => {
    const problems = problemsOf([{ name: 'p', expression: 'true', message: '{{service}} has {{criticals}} findings' }]);
    expect(problems).toEqual([{ path: 'policies[0].message', message: expect.stringMatching(/^uses \{\{criticals\}\}, which is not a field of the input; fields: service, environment/) as unknown }]);
  });

  it('rejects two policies with the same name, at the second', () => {
    expect(problemsOf([ok('same'), ok('other'), ok('same')])).toEqual([
      { path: 'policies[2].name', message: '"same" is already the name of policies[0]; each policy needs its own name' },
    ]);
  });

  it('refuses the fuzz case of 500 nested parentheses before parsing it, with the limit and what to do (the parser took 0.5 s, 20 s and more under load)', () => {
    expect(problemsOf([ok('deep', '('.repeat(500) + ')'.repeat(500))])).toEqual([
      { path: 'policies[0].expression', message: 'nests 500 brackets deep; the limit is 32: write it with fewer parentheses, lists or maps inside each other' },
    ]);
  });

  it('refuses an expression longer than 4,096 characters, and a tree too deep to plan instead of overflowing the stack', () => {
    expect(problemsOf([ok('long', 'x'.repeat(5000)), ok('chain', '1+'.repeat(1500) + '1 == 1')])).toEqual([
      { path: 'policies[0].expression', message: 'is 5000 characters long; the limit is 4096: split it into several policies or conditions' },
      { path: 'policies[1].expression', message: 'is 100+ operations deep; the limit is 100: split it into several policies or conditions' },
    ]);
  });

  it('does not count brackets inside string literals, raw or not, towards the nesting limit', () => {
    const brackets = '('.repeat(40);
    const compiled = compilePolicies([
      ok('quoted', `deployment.service != "${brackets}\\\\"`),
      ok('raw', `deployment.service != r'${brackets}\\'`),
      ok('triple', `deployment.service != '''${brackets}'''`),
    ]);
    expect(compiled).toHaveLength(3);
    expect(problemsOf([ok('outside', `"\\\\"` + ' == ' + '('.repeat(33) + '"x"' + ')'.repeat(33))])[0]?.message).toMatch(/^nests 33 brackets deep/);
  });

  it('puts problems under the path it is given', () => {
    try {
      compilePolicies([ok('x', '(')], { path: 'environments.production.policies' });
    } catch (error) {
      expect((error as CutoverError).problems[0]?.path).toBe('environments.production.policies[0].expression');
    }
    expect.assertions(1);
  });
});
