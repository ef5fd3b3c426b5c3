import { parse, plan } from '@bufbuild/cel';
import { celTextProblem, celTreeProblem } from '../../core/cel-limits.ts';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { policyEnv } from './cel.ts';
import { unknownNames } from './names.ts';
import { unknownPlaceholders } from './placeholders.ts';
import type { CompiledPolicy, Policy } from './types.ts';

/** Like service names, so policy names read the same in reports, events and files. */
const NAME = /^[a-z][a-z0-9-]*$/;

export interface CompileOptions {
  /**
   * Where the list is in the user's input, for problem paths.
   * @default "policies"
   */
  path?: string;
}

/**
 * Parses and plans every policy once, up front, so a broken expression is
 * found when policies are loaded rather than when a deployment is checked.
 * Throws an InvalidRequest CutoverError listing every problem at once.
 */
export function compilePolicies(policies: readonly Policy[], options: CompileOptions = {}): CompiledPolicy[] {
  const path = options.path ?? 'policies';
  const compiled: CompiledPolicy[] = [];
  const problems: FieldProblem[] = [];
  policies.forEach((policy, index) => {
    const result = compilePolicy(policy, `${path}[${index}]`);
    if ('problems' in result) problems.push(...result.problems);
    else compiled.push(result);
  });
  problems.push(...duplicateNames(policies, path));
  if (problems.length > 0) throw invalidPolicies(problems);
  return compiled;
}

/** One policy, or its problems with paths under `path` (e.g. `policies[2]`). */
export function compilePolicy(policy: Policy, path: string): CompiledPolicy | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!NAME.test(policy.name)) {
    problems.push({ path: `${path}.name`, message: `expected lowercase letters, digits and "-", starting with a letter, got ${JSON.stringify(policy.name)}` });
  }
  const program = compileExpression(policy.expression, `${path}.expression`, problems);
  if (policy.message.trim() === '') problems.push({ path: `${path}.message`, message: 'is empty: say what is wrong and what to do about it' });
  for (const message of unknownPlaceholders(policy.message)) problems.push({ path: `${path}.message`, message });
  if (policy.environments?.length === 0) {
    problems.push({ path: `${path}.environments`, message: 'is empty, so the policy would never apply; leave it out to apply everywhere' });
  }
  if (problems.length > 0 || !program) return { problems };
  return { policy, program };
}

function compileExpression(expression: string, path: string, problems: FieldProblem[]): CompiledPolicy['program'] | undefined {
  if (expression.trim() === '') {
    problems.push({ path, message: 'is empty: expected a CEL expression that is true when the deployment is allowed' });
    return undefined;
  }
  const tooBig = celTextProblem(expression);
  if (tooBig) {
    problems.push({ path, message: tooBig });
    return undefined;
  }
  try {
    const parsed = parse(expression);
    const tooDeep = celTreeProblem(parsed.expr);
    if (tooDeep) {
      problems.push({ path, message: tooDeep });
      return undefined;
    }
    const unknown = unknownNames(parsed.expr);
    if (unknown.length > 0) {
      problems.push(...unknown.map((message) => ({ path, message: `is not valid CEL: ${message}` })));
      return undefined;
    }
    const run = plan(policyEnv, parsed);
    return (deployment) => run({ deployment } as Parameters<typeof run>[0]);
  } catch (error) {
    problems.push({ path, message: `is not valid CEL: ${parseErrorText(messageOf(error))}` });
    return undefined;
  }
}

/** The parser says `<input>:1:14: found …`; users read "at line 1, column 14". */
function parseErrorText(message: string): string {
  return message.replace(/^<input>:(\d+):(\d+): /, 'at line $1, column $2: ');
}

/** Every repeat of an earlier name, at the repeat; `taken` are names already in force (the defaults). */
export function duplicateNames(policies: readonly (Pick<Policy, 'name'> | undefined)[], path: string, taken: readonly string[] = []): FieldProblem[] {
  const first = new Map<string, number>();
  const problems: FieldProblem[] = [];
  policies.forEach((policy, index) => {
    // A policy that could not be read (undefined) already has its problems.
    if (policy === undefined) return;
    const { name } = policy;
    const at = `${path}[${index}].name`;
    const earlier = first.get(name);
    if (taken.includes(name)) {
      problems.push({ path: at, message: `"${name}" is the name of a default policy; rename this one, or set defaults: false and write your own` });
    } else if (earlier !== undefined) {
      problems.push({ path: at, message: `"${name}" is already the name of ${path}[${earlier}]; each policy needs its own name` });
    } else {
      first.set(name, index);
    }
  });
  return problems;
}

export function invalidPolicies(problems: FieldProblem[], file?: string): CutoverError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const where = file === undefined ? '' : ` in ${file}`;
  return new CutoverError(ErrorCode.InvalidRequest, `The policies${where} are not valid (${count}); fix the fields below and try again`, {
    problems,
    context: file === undefined ? {} : { file },
  });
}
