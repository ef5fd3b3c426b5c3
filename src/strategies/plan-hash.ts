import { createHash } from 'node:crypto';
import type { Step } from '../core/types.ts';

/**
 * A short fingerprint of a plan. Progress is stored as a step index plus this
 * hash, so a plan that changed under a running deployment is detected instead
 * of resumed at an index that now means a different step.
 */
export function planHash(steps: Step[]): string {
  return createHash('sha256').update(canonicalJson(steps)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so equal plans hash equally whatever order their fields were set in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
