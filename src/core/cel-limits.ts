import type { parse } from '@bufbuild/cel';

type Expr = ReturnType<typeof parse>['expr'];

/**
 * How much CEL cutover reads. @bufbuild/cel's parser takes time that grows
 * faster than the text with bracket nesting (about 0.9 s for 300 levels of
 * `([`, 20 s and more on a loaded machine) and overflows the stack a little
 * deeper, and its planner recurses once per level of the expression tree
 * (`1+1+…` of 1,500 terms overflows it). So an expression is measured before
 * it is parsed and its tree before it is planned, and one too big is refused
 * with what to do. Policies and analysis conditions are a line or two; these
 * leave room for long lists of names.
 */
export const CEL_MAX_LENGTH = 4_096;
/** Brackets — `(`, `[`, `{` — open at once, outside string literals. */
export const CEL_MAX_NESTING = 32;
/** Levels of the parsed expression tree (operators, calls, macros). */
export const CEL_MAX_DEPTH = 100;

/** Why the text is too big to parse, or undefined when it is within the limits. */
export function celTextProblem(expression: string): string | undefined {
  if (expression.length > CEL_MAX_LENGTH) {
    return `is ${expression.length} characters long; the limit is ${CEL_MAX_LENGTH}: split it into several policies or conditions`;
  }
  const nesting = bracketNesting(expression);
  if (nesting > CEL_MAX_NESTING) {
    return `nests ${nesting} brackets deep; the limit is ${CEL_MAX_NESTING}: write it with fewer parentheses, lists or maps inside each other`;
  }
  return undefined;
}

/** Why the parsed tree is too deep to plan, or undefined. Walks without recursion, so any tree can be measured. */
export function celTreeProblem(expr: Expr): string | undefined {
  const pending: [Expr | undefined, number][] = [[expr, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (!node) continue;
    if (depth > CEL_MAX_DEPTH) return `is ${CEL_MAX_DEPTH}+ operations deep; the limit is ${CEL_MAX_DEPTH}: split it into several policies or conditions`;
    for (const child of children(node)) pending.push([child, depth + 1]);
  }
  return undefined;
}

function children(node: Expr): (Expr | undefined)[] {
  const kind = node.exprKind;
  switch (kind.case) {
    case 'selectExpr':
      return [kind.value.operand];
    case 'callExpr':
      return [kind.value.target, ...kind.value.args];
    case 'listExpr':
      return kind.value.elements;
    case 'structExpr':
      return kind.value.entries.flatMap((entry) => [entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined, entry.value]);
    case 'comprehensionExpr': {
      const { iterRange, accuInit, loopCondition, loopStep, result } = kind.value;
      return [iterRange, accuInit, loopCondition, loopStep, result];
    }
    case 'identExpr':
    case 'constExpr':
    case undefined:
      return [];
  }
}

/** The most brackets open at once, skipping string and bytes literals ('…', "…", '''…''', """…""", with \ escapes unless raw). */
function bracketNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"' || char === "'") {
      i = endOfString(text, i);
      continue;
    }
    if (char === '(' || char === '[' || char === '{') deepest = Math.max(deepest, ++depth);
    else if ((char === ')' || char === ']' || char === '}') && depth > 0) depth--;
  }
  return deepest;
}

/** The index of the last character of the string literal opening at `start` (the end of the text when it never closes). */
function endOfString(text: string, start: number): number {
  const quote = text[start]!;
  // A prefix of r, b, rb or br (any case) right before the quote; r makes it raw (no escapes).
  const prefix = /(?:^|[^\w])([rRbB]{1,2})$/.exec(text.slice(Math.max(0, start - 3), start))?.[1] ?? '';
  const raw = /[rR]/.test(prefix);
  const triple = text.startsWith(quote.repeat(3), start);
  const close = triple ? quote.repeat(3) : quote;
  for (let i = start + close.length; i < text.length; i++) {
    if (text[i] === '\\' && !raw) {
      i++;
      continue;
    }
    if (text.startsWith(close, i)) return i + close.length - 1;
    if (!triple && text[i] === '\n') return i;
  }
  return text.length - 1;
}
