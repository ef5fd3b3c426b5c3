/**
 * Turns zod issues into the problems users read: a dotted field path
 * (`spec.strategy.canary.steps[2].setWeight`) and what was expected and got.
 */
import type { z } from 'zod';
import type { FieldProblem } from '../core/errors.ts';
import { closestName } from './suggest.ts';

type Path = readonly PropertyKey[];

/** `spec.run.env.LOG_LEVEL`, `spec.strategy.canary.steps[2]`; "" is the document itself. */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** One problem per issue (per unknown field), in the order the fields appear in `input`. */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  root: z.core.$ZodType,
  input: unknown,
): FieldProblem[] {
  const located = issues.flatMap((issue): { path: Path; message: string }[] => {
    if (issue.code !== 'unrecognized_keys') return [{ path: issue.path, message: issue.message }];
    const allowed = fieldNamesAt(root, issue.path);
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: unknownFieldMessage(key, allowed) }));
  });
  const positions = new Map(located.map((problem) => [problem, positionIn(input, problem.path)]));
  located.sort((a, b) => comparePositions(positions.get(a) ?? [], positions.get(b) ?? []));
  return located.map((problem) => ({ path: formatPath(problem.path), message: problem.message }));
}

/** Where a path is in the document: the index of each key among its siblings; missing fields go last. */
function positionIn(input: unknown, path: Path): number[] {
  const position: number[] = [];
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) {
      position.push(Infinity);
      break;
    }
    const index = Array.isArray(value) ? Number(segment) : Object.keys(value).indexOf(String(segment));
    position.push(index < 0 ? Infinity : index);
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return position;
}

function comparePositions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0 && !Number.isNaN(difference)) return difference;
  }
  return a.length - b.length;
}

function unknownFieldMessage(key: string, allowed: readonly string[]): string {
  const suggestion = closestName(key, allowed);
  const hint = suggestion ? `; did you mean "${suggestion}"? Allowed here: ` : '; allowed here: ';
  return `unknown field "${key}"${hint}${allowed.join(', ')}`;
}

/** The declared fields of the mapping at `path` in the schema, for "allowed here". */
function fieldNamesAt(root: z.core.$ZodType, path: Path): string[] {
  let schema: z.core.$ZodType | undefined = root;
  for (let i = 0; schema; ) {
    const def = schema._zod.def as unknown as SchemaDef;
    if (def.type === 'object' && i === path.length) return Object.keys(def.shape ?? {});
    const segment = path[i];
    if (def.type === 'object') [schema, i] = [def.shape?.[String(segment)], i + 1];
    else if (def.type === 'array') [schema, i] = [def.element, i + 1];
    else if (def.type === 'record') [schema, i] = [def.valueType, i + 1];
    else schema = def.innerType ?? def.in;
  }
  return [];
}

/** The parts of zod's schema definitions that lead from a mapping to its fields. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
}
