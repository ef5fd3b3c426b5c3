import { readUserFile } from '../../core/read-user-file.ts';
import { parseDocument } from 'yaml';
import type { YAMLError } from 'yaml';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { FieldProblem } from '../../core/errors.ts';
import { compilePolicies, compilePolicy, duplicateNames, invalidPolicies } from './compile.ts';
import { DEFAULT_POLICIES } from './defaults.ts';
import { readPolicy, readPolicyDocument } from './document.ts';
import type { CompiledPolicy, Policy } from './types.ts';

/**
 * Reads a policy file (YAML or JSON): `{ policies: [...], defaults: true }`.
 * Returns the policies in force, compiled: the defaults first (unless
 * `defaults: false`), then the file's. Every problem, shape or CEL, is
 * reported at once with its path in the file.
 */
export async function loadPolicies(file: string): Promise<CompiledPolicy[]> {
  const text = await readUserFile(file, 'Policy file');
  return parsePolicies(text, file);
}

/** The same as loadPolicies, from text; `source` names it in errors. */
export function parsePolicies(text: string, source?: string): CompiledPolicy[] {
  const yaml = parseDocument(text, { uniqueKeys: true });
  if (yaml.errors.length > 0) {
    const problems = yaml.errors.map(syntaxProblem);
    throw new CutoverError(ErrorCode.InvalidRequest, `${source ?? 'The policy file'} is not valid YAML or JSON: ${problems[0]?.message ?? 'unreadable'}`, {
      problems,
      context: source === undefined ? {} : { file: source },
    });
  }
  let doc: unknown;
  try {
    doc = yaml.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Alias bombs and unresolved aliases surface only when the document is turned into values.
    const message = messageOf(error);
    throw new CutoverError(ErrorCode.InvalidRequest, `${source ?? 'The policy file'} could not be read: ${message}`, {
      cause: error,
      problems: [{ path: '', message }],
      context: source === undefined ? {} : { file: source },
    });
  }
  const problems: FieldProblem[] = [];
  const document = readPolicyDocument(doc, problems);
  const written: (Policy | undefined)[] = [];
  const compiled: CompiledPolicy[] = [];
  document.policies.forEach((item, index) => {
    const policy = readPolicy(item, `policies[${index}]`, problems);
    written.push(policy);
    const result = policy && compilePolicy(policy, `policies[${index}]`);
    if (result && 'problems' in result) problems.push(...result.problems);
    else if (result) compiled.push(result);
  });
  const taken = document.defaults ? DEFAULT_POLICIES.map((policy) => policy.name) : [];
  problems.push(...duplicateNames(written, 'policies', taken));
  if (problems.length > 0) throw invalidPolicies(problems, source);
  const defaults = document.defaults ? compilePolicies(DEFAULT_POLICIES) : [];
  return [...defaults, ...compiled];
}

function syntaxProblem(error: YAMLError): FieldProblem {
  // The first line, without yaml's own "at line L, column C:" suffix; the snippet after it is for terminals.
  const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const position = error.linePos?.[0];
  return { path: '', message: position ? `line ${position.line}, column ${position.col}: ${reason}` : reason };
}
