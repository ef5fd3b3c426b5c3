import type { FieldProblem } from '../../core/errors.ts';
import type { Policy } from './types.ts';

/** A policy file as written: `{ policies: [...], defaults: true }`, its policies not yet read. */
export interface PolicyDocument {
  policies: unknown[];
  /** @default true */
  defaults: boolean;
}

const DOCUMENT_FIELDS = ['policies', 'defaults'];
const POLICY_FIELDS = ['name', 'expression', 'message', 'environments'];

/**
 * Checks the top of a parsed policy file: a mapping of `policies` (a list)
 * and `defaults`. Each policy is read by readPolicy and then compiled, one
 * after the other, so the problems come in the order of the file.
 */
export function readPolicyDocument(doc: unknown, problems: FieldProblem[]): PolicyDocument {
  if (doc === undefined || doc === null) return { policies: [], defaults: true };
  if (!isMapping(doc)) {
    problems.push({ path: '', message: `expected a mapping with "policies" and "defaults", got ${describe(doc)}` });
    return { policies: [], defaults: true };
  }
  unknownFields(doc, DOCUMENT_FIELDS, '', problems);
  const defaults = doc.defaults ?? true;
  if (typeof defaults !== 'boolean') problems.push({ path: 'defaults', message: `expected true or false, got ${describe(defaults)}` });
  const list = doc.policies ?? [];
  if (!Array.isArray(list)) {
    problems.push({ path: 'policies', message: `expected a list of policies, got ${describe(list)}` });
    return { policies: [], defaults: defaults === true };
  }
  return { policies: list, defaults: defaults !== false };
}

/** One policy's fields as written, or undefined after adding its problems. */
export function readPolicy(item: unknown, path: string, problems: FieldProblem[]): Policy | undefined {
  if (!isMapping(item)) {
    problems.push({ path, message: `expected a mapping with name, expression and message, got ${describe(item)}` });
    return undefined;
  }
  const before = problems.length;
  unknownFields(item, POLICY_FIELDS, path, problems);
  const name = text(item, 'name', path, problems, 'a name such as "production-signed-artifact"');
  const expression = text(item, 'expression', path, problems, 'a CEL expression that is true when the deployment is allowed');
  const message = text(item, 'message', path, problems, 'the message shown when the policy denies');
  const environments = environmentList(item.environments, `${path}.environments`, problems);
  if (problems.length > before || name === undefined || expression === undefined || message === undefined) return undefined;
  return { name, expression, message, ...(environments !== undefined ? { environments } : {}) };
}

function text(item: Record<string, unknown>, field: string, path: string, problems: FieldProblem[], what: string): string | undefined {
  const value = item[field];
  if (typeof value === 'string') return value;
  problems.push({ path: `${path}.${field}`, message: value === undefined ? `is required: expected ${what}` : `expected text (${what}), got ${describe(value)}` });
  return undefined;
}

function environmentList(value: unknown, path: string, problems: FieldProblem[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problems.push({ path, message: `expected a list of environment names, got ${describe(value)}` });
    return undefined;
  }
  value.forEach((environment: unknown, index) => {
    if (typeof environment !== 'string') problems.push({ path: `${path}[${index}]`, message: `expected an environment name, got ${describe(environment)}` });
  });
  return value.filter((environment): environment is string => typeof environment === 'string');
}

function unknownFields(mapping: Record<string, unknown>, allowed: readonly string[], path: string, problems: FieldProblem[]): void {
  for (const key of Object.keys(mapping)) {
    if (!allowed.includes(key)) problems.push({ path: path ? `${path}.${key}` : key, message: `unknown field "${key}"; allowed here: ${allowed.join(', ')}` });
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A value the way a YAML author would recognize it. */
function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
