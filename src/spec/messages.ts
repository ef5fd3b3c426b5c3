/**
 * The words of spec problems: what was expected and what was got, in the
 * terms of the document the user wrote (mappings and lists, not objects).
 */

/** Describes a value the way a YAML author would recognize it. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping';
  return typeof value;
}

/** The part of a zod issue an error message is made from. */
interface IssueView {
  input?: unknown;
  path?: PropertyKey[];
}

/**
 * An error map for one field: "expected X, got Y", or "is required: expected X"
 * when the field is missing.
 */
export function expected(what: string): (issue: IssueView) => string {
  return (issue) =>
    issue.input === undefined ? `is required: expected ${what}` : `expected ${what}, got ${describeValue(issue.input)}`;
}

/**
 * An error map for a field that must be text, where YAML may have read the
 * user's text as a number or a boolean: it says to quote the value.
 */
export function expectedText(what: string): (issue: IssueView) => string {
  return (issue) => {
    const { input } = issue;
    if (typeof input === 'number' || typeof input === 'boolean') {
      const key = String(issue.path?.at(-1) ?? 'value');
      return `expected ${what}, got the ${typeof input} ${String(input)}; put it in quotes so YAML keeps it as written, like ${key}: "${String(input)}"`;
    }
    return expected(what)(issue);
  };
}
