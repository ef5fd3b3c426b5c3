import { isCelError, isCelList, isCelMap } from '@bufbuild/cel';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { toCel } from './cel.ts';
import { renderMessage } from './placeholders.ts';
import type { CompiledPolicy, Policy, PolicyEvaluation, PolicyInput, PolicyResult } from './types.ts';

/**
 * Runs every policy that applies to the input's environment and lists every
 * violation, not just the first, so one run tells the user all there is to
 * fix. Policies fail closed: an expression that errors or gives something
 * other than true or false denies, with the reason in `error`.
 */
export function evaluatePolicies(compiled: readonly CompiledPolicy[], input: PolicyInput): PolicyEvaluation {
  const deployment = toCel(input);
  const results: PolicyResult[] = [];
  const skipped: PolicyEvaluation['skipped'] = [];
  for (const { policy, program } of compiled) {
    if (!appliesTo(policy, input.environment)) {
      skipped.push({ name: policy.name, environments: [...(policy.environments ?? [])] });
      continue;
    }
    results.push(verdict(policy, run(program, deployment), input));
  }
  const violations = results.flatMap(({ name, ok, message, error }) =>
    ok ? [] : [{ name, message: message ?? '', ...(error !== undefined ? { error } : {}) }],
  );
  return { allowed: violations.length === 0, environment: input.environment, results, violations, skipped };
}

export function appliesTo(policy: Pick<Policy, 'environments'>, environment: string): boolean {
  return policy.environments === undefined || policy.environments.includes(environment);
}

/** The expression's value, or an Error when CEL gave an error; plan() returns those, but a bug may still throw. */
function run(program: CompiledPolicy['program'], deployment: unknown): unknown {
  try {
    return program(deployment);
  } catch (error) {
    return error instanceof Error ? error : new CutoverError(ErrorCode.Internal, messageOf(error), { cause: error });
  }
}

function verdict(policy: Policy, value: unknown, input: PolicyInput): PolicyResult {
  const base = { name: policy.name, expression: policy.expression };
  if (value === true) return { ...base, ok: true };
  const message = renderMessage(policy.message, input);
  if (value === false) return { ...base, ok: false, message };
  const error = isCelError(value) || value instanceof Error ? evaluationError(value.message) : `the expression gave ${describe(value)}, not true or false`;
  return { ...base, ok: false, message, error };
}

function evaluationError(message: string): string {
  // The usual cause is an optional field (signature.keyId, the scan counts) read without checking it is there.
  const hint = message.startsWith('field not found') || message.startsWith('no such key') ? '; check optional fields with has(…) first' : '';
  return `could not evaluate: ${message}${hint}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (value === null) return 'null';
  if (isCelMap(value)) return 'a map';
  if (isCelList(value)) return 'a list';
  return `a value of type ${typeof value}`;
}
