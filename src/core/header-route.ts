/**
 * A header route: requests whose header `header` equals `exact`, or matches
 * `regex`, go to one revision (a canary's beta users) whatever the weights.
 * Checked the same way by the spec, the router's config checker and the
 * HAProxy driver, so a route one accepts the others serve.
 *
 * A regex is bounded, because the router runs it on every request with a
 * backtracking engine (V8's, HAProxy's PCRE): at most MAX_REGEX_LENGTH
 * characters, no backreferences or lookarounds, and no quantified group that
 * holds a quantifier or an alternation (`(a+)+`, `(a|aa)*`), the shapes whose
 * matching time explodes. Header values longer than MAX_MATCHED_VALUE never
 * match.
 */

/** What the engine pushes and the routers serve. */
export interface HeaderRoute {
  /** The header's name, lower case. */
  header: string;
  /** The value it must equal; exactly one of `exact` and `regex`. */
  exact?: string;
  /** A JavaScript/PCRE regex the whole value must match (anchored by the router). */
  regex?: string;
  revision: number;
}

export const MAX_REGEX_LENGTH = 128;
export const MAX_EXACT_LENGTH = 256;
/** A longer header value is not tested (and does not match). */
export const MAX_MATCHED_VALUE = 1024;

const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
/** Visible ASCII and space, no quote: written into HAProxy's config between single quotes. */
const PRINTABLE = /^[\x20-\x26\x28-\x7e]+$/;

/** Why `name` cannot be a header route's header, or null. */
export function headerNameProblem(name: string): string | null {
  if (!TOKEN.test(name)) return 'must be a header name in lower case (letters, digits and !#$%&*+.^_`|~-), at most 64 characters';
  if (['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'x-cutover-revision'].includes(name)) return `cannot be ${name}: the router sets or reads it itself`;
  return null;
}

/** Why `value` cannot be matched exactly, or null. */
export function exactValueProblem(value: string): string | null {
  if (value.length === 0 || value.length > MAX_EXACT_LENGTH) return `must be 1 to ${MAX_EXACT_LENGTH} characters`;
  if (!PRINTABLE.test(value)) return "must be printable ASCII without a single quote (')";
  return null;
}

/** Why `pattern` is not a bounded regex, or null. */
export function regexProblem(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > MAX_REGEX_LENGTH) return `must be 1 to ${MAX_REGEX_LENGTH} characters`;
  if (!PRINTABLE.test(pattern)) return "must be printable ASCII without a single quote (')";
  try {
    new RegExp(pattern);
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message})`;
  }
  // Each open group: whether it holds a quantifier or an alternation so far.
  const groups: { risky: boolean }[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      if (/[1-9k]/.test(pattern[i + 1] ?? '')) return 'must not use backreferences';
      i++;
      continue;
    }
    if (char === '[') {
      // A character class: skip to its end (a `]` first in the class is literal).
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      continue;
    }
    if (char === '(') {
      if (/^\(\?<?[=!]/.test(pattern.slice(i))) return 'must not use lookarounds';
      groups.push({ risky: false });
      // `(?:` and `(?<name>`: the `?` is not a quantifier.
      const opening = /^\(\?(?::|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(pattern.slice(i));
      if (opening) i += opening[0].length - 1;
    } else if (char === ')') {
      const group = groups.pop();
      // `?` (at most once) cannot make a match explode; `*`, `+` and `{n,m}` can.
      const quantified = /^[*+{]/.test(pattern[i + 1] ?? '');
      if (group?.risky && quantified) return 'must not repeat a group that holds a repetition or an alternation, like (a+)+ or (a|b)*: their matching time can explode';
      if (group?.risky && groups.length > 0) groups[groups.length - 1]!.risky = true;
      if (quantified && groups.length > 0) groups[groups.length - 1]!.risky = true;
    } else if (/[*+?{|]/.test(char) && groups.length > 0) {
      groups[groups.length - 1]!.risky = true;
    }
  }
  return null;
}

/** Whether a request's header values match the route (the router's hot path: one compiled regex per config). */
export function compileHeaderRoute(route: HeaderRoute): (value: string | string[] | undefined) => boolean {
  const test = route.regex !== undefined ? ((regex: RegExp) => (value: string) => regex.test(value))(new RegExp(`^(?:${route.regex})$`)) : (value: string) => value === route.exact;
  return (value) => {
    if (value === undefined) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((one) => one.length <= MAX_MATCHED_VALUE && test(one));
  };
}
