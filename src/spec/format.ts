import type { FieldProblem } from '../core/errors.ts';

/** The path of a problem with the whole document rather than one field. */
export const DOCUMENT_PATH_LABEL = '(document)';

/** One line per problem, indented: `  spec.port: expected an integer from 1 to 65535, got "80a"`. */
export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map((problem) => `  ${problem.path || DOCUMENT_PATH_LABEL}: ${problem.message}`).join('\n');
}
