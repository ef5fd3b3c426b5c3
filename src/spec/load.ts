/**
 * Reading a spec: text (YAML, or JSON, which is YAML too) to a document, the
 * document validated once here at the boundary, then normalized. Every problem
 * is reported at once, each with its field path.
 */
import { readUserFile } from '../core/read-user-file.ts';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { YAMLError } from 'yaml';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import type { FieldProblem } from '../core/errors.ts';
import { describeValue } from './messages.ts';
import { forEnvironment, overriddenEnvironments } from './environments.ts';
import { toServiceSpec } from './normalize.ts';
import { problemsFromIssues } from './problems.ts';
import { specDocumentSchema } from './schema.ts';
import type { SpecDocument } from './schema.ts';
import type { ServiceSpec } from './types.ts';

export interface ValidatedSpec {
  spec: ServiceSpec;
  /** The document as validated, with defaults filled in. */
  document: SpecDocument;
}

export interface LoadedSpec extends ValidatedSpec {
  /** Absolute directory of the spec file; `artifact.path` is relative to it. */
  baseDir: string;
}

/** Parses YAML or JSON text; a syntax error is an InvalidSpec error with the line and column. */
export function parseSpecText(text: string, sourceName: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = syntaxProblems(document.errors);
    throw invalidSpec(`${sourceName} is not valid YAML or JSON: ${problems[0]?.message ?? 'unreadable'}`, problems, sourceName);
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Unresolved aliases and alias bombs surface only when the document is turned into values.
    const message = messageOf(error);
    throw invalidSpec(`${sourceName} could not be read: ${message}`, [{ path: '', message }], sourceName, error);
  }
}

/**
 * Validates a parsed document and fills in defaults; throws InvalidSpec with
 * every problem. The spec returned is for the document's `spec.environment`,
 * with that environment's overrides; the overrides of every other
 * environment are checked too (each problem names its environment), so a
 * file that is valid deploys to every stage it names.
 */
export function validateSpec(doc: unknown, sourceName?: string): ValidatedSpec {
  const result = specDocumentSchema.safeParse(doc, { error: unknownIssue });
  const problems = result.success ? [] : problemsFromIssues(result.error.issues, specDocumentSchema, doc);
  const target = result.success ? result.data.spec.environment : undefined;
  let spec: ServiceSpec | undefined;
  // Each environment's merged spec must be valid as a whole too (previewPort beside port, a rolling update that can progress).
  for (const environment of new Set([...overriddenEnvironments(doc), ...(target ? [target] : [])])) {
    const merged = forEnvironment(doc, environment);
    problems.push(...merged.problems);
    const parsed = specDocumentSchema.safeParse(merged.document, { error: unknownIssue });
    if (parsed.success) {
      if (environment === target) spec = toServiceSpec(parsed.data);
      continue;
    }
    if (!result.success) continue; // the document's own problems say it already
    for (const problem of problemsFromIssues(parsed.error.issues, specDocumentSchema, merged.document)) {
      problems.push({ ...problem, message: `in environment ${environment} (with spec.environments.${environment}): ${problem.message}` });
    }
  }
  if (problems.length || !result.success || !spec) {
    const unique = [...new Map(problems.map((problem) => [`${problem.path}\u0000${problem.message}`, problem])).values()];
    const count = unique.length === 1 ? '1 problem' : `${unique.length} problems`;
    throw invalidSpec(`${sourceName ?? 'The spec'} is not a valid cutover spec (${count}); fix the fields below and try again`, unique, sourceName);
  }
  return { spec, document: result.data };
}

function unknownIssue(issue: { input?: unknown }): string {
  return `expected a valid value, got ${describeValue(issue.input)}`;
}

/** Reads, parses and validates a spec file. */
export async function loadSpecFile(file: string): Promise<LoadedSpec> {
  const text = await readUserFile(file, 'Spec file');
  const validated = validateSpec(parseSpecText(text, file), file);
  return { ...validated, baseDir: path.dirname(path.resolve(file)) };
}

function syntaxProblems(errors: readonly YAMLError[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    // The first line without yaml's own "at line L, column C:" suffix; the snippet after it is for terminals.
    const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    const position = error.linePos?.[0];
    const message = position ? `line ${position.line}, column ${position.col}: ${reason}` : reason;
    // One mistake often yields several errors at the same place; the first says it best.
    const key = position ? `${position.line}:${position.col}` : message;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path: '', message });
  }
  return problems;
}

function invalidSpec(message: string, problems: FieldProblem[], file?: string, cause?: unknown): CutoverError {
  return new CutoverError(ErrorCode.InvalidSpec, message, { problems, cause, context: file ? { file } : {} });
}
