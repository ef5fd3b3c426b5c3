import { celEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

/** The one variable a policy may read. */
export const INPUT_VARIABLE = 'deployment';

/**
 * Standard CEL plus the strings extension (`lowerAscii`, `split`, …), which
 * policies on versions and names want. One environment for every policy, so
 * the planner it caches is shared.
 */
export const policyEnv = celEnv({ funcs: strings });

/**
 * JSON-like values as CEL sees them: objects as maps (so `deployment.scan.critical`
 * works), numbers as doubles, absent (undefined) fields left out so `has()` is false.
 */
export function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    return new Map(Object.entries(value).flatMap(([key, item]) => (item === undefined ? [] : [[key, toCel(item)]])));
  }
  return value;
}
