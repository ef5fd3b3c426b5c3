import type { parse } from '@bufbuild/cel';
import { INPUT_VARIABLE, policyEnv } from './cel.ts';

type Expr = ReturnType<typeof parse>['expr'];

/**
 * Operators the planner handles itself, without the function registry:
 * indexing, optional access, the ternary and the short-circuit logic.
 */
const PLANNER_OPERATORS = new Set(['_[_]', '_[?_]', '_?._', '_?_:_', '_&&_', '_||_', '@not_strictly_false', '__not_strictly_false__']);

/** Type names an expression may mention, as in `type(x) == int`; `google` starts `google.protobuf.*` names. */
const TYPE_NAMES = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn', 'google']);

/**
 * Variables and functions an expression names that do not exist. CEL finds
 * these only when it evaluates, and a policy that errors denies every
 * deployment; a typo like `deploymnet.strategy` belongs at load time.
 */
export function unknownNames(expr: Expr): string[] {
  const problems = new Set<string>();
  const visit = (node: Expr | undefined, bound: ReadonlySet<string>): void => {
    if (!node) return;
    const kind = node.exprKind;
    switch (kind.case) {
      case 'identExpr':
        if (!bound.has(kind.value.name) && !TYPE_NAMES.has(kind.value.name)) {
          problems.add(`"${kind.value.name}" is not defined; the input is the variable "${INPUT_VARIABLE}"`);
        }
        return;
      case 'selectExpr':
        return visit(kind.value.operand, bound);
      case 'callExpr': {
        const { target, args } = kind.value;
        const name = kind.value.function;
        // `math.greatest(…)` is one qualified function name, not a method on a variable `math`.
        const qualified = target ? qualifiedName(target) : undefined;
        if (qualified !== undefined && policyEnv.funcs.find(`${qualified}.${name}`)) {
          for (const arg of args) visit(arg, bound);
          return;
        }
        if (!PLANNER_OPERATORS.has(name) && !policyEnv.funcs.find(name)) problems.add(`calls "${name}", which is not a CEL function here`);
        visit(target, bound);
        for (const arg of args) visit(arg, bound);
        return;
      }
      case 'listExpr':
        for (const element of kind.value.elements) visit(element, bound);
        return;
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value, bound);
          visit(entry.value, bound);
        }
        return;
      case 'comprehensionExpr': {
        // Macros (all, exists, map, filter) expand to comprehensions that bind their own variables.
        const { iterVar, iterVar2, accuVar, iterRange, accuInit, loopCondition, loopStep, result } = kind.value;
        visit(iterRange, bound);
        visit(accuInit, bound);
        const inner = new Set([...bound, iterVar, accuVar, ...(iterVar2 ? [iterVar2] : [])]);
        visit(loopCondition, inner);
        visit(loopStep, inner);
        visit(result, new Set([...bound, accuVar]));
        return;
      }
      case 'constExpr':
      case undefined:
        return;
    }
  };
  visit(expr, new Set([INPUT_VARIABLE]));
  return [...problems];
}

function qualifiedName(expr: Expr): string | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'identExpr') return kind.value.name;
  if (kind.case === 'selectExpr' && kind.value.operand) {
    const operand = qualifiedName(kind.value.operand);
    return operand === undefined ? undefined : `${operand}.${kind.value.field}`;
  }
  return undefined;
}
