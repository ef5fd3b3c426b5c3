import type { ServiceSpec } from './types.ts';

/** One field that differs between what runs and a spec: `path` as in the normalized spec (`healthCheck.intervalMs`). */
export interface SpecChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  /** The value running now (absent when added), as JSON. */
  from?: unknown;
  /** The value the spec would run (absent when removed), as JSON. */
  to?: unknown;
}

/** What a secret's value shows as: never the value, sealed or not. */
export const SECRET_VALUE = '(secret)';

/** Leaves kept whole rather than walked: a command is one thing to a reader. */
const WHOLE = new Set(['run.command']);

/**
 * The field-level difference between the spec that runs and the one given,
 * in the order of the spec's fields, secret values masked (sealed values
 * differ at every seal, so a secret shows as changed only when added or
 * removed). `before` null: a new service, nothing to compare with. Pure.
 */
export function diffSpecs(before: ServiceSpec | null, after: ServiceSpec): SpecChange[] {
  if (before === null) return [];
  const changes: SpecChange[] = [];
  walk('', masked(before), masked(after), changes);
  return changes;
}

function masked(spec: ServiceSpec): unknown {
  const secretEnv = spec.run.secretEnv ? Object.fromEntries(Object.keys(spec.run.secretEnv).map((name) => [name, SECRET_VALUE])) : undefined;
  return { ...spec, run: { ...spec.run, ...(secretEnv ? { secretEnv } : {}) } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(path: string, from: unknown, to: unknown, changes: SpecChange[]): void {
  if (from === undefined && to === undefined) return;
  if (from === undefined) return void changes.push({ path, change: 'added', to });
  if (to === undefined) return void changes.push({ path, change: 'removed', from });
  if (!WHOLE.has(path) && isRecord(from) && isRecord(to)) {
    for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) walk(path ? `${path}.${key}` : key, from[key], to[key], changes);
    return;
  }
  if (!WHOLE.has(path) && Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    from.forEach((item, i) => walk(`${path}[${i}]`, item, to[i], changes));
    return;
  }
  if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ path, change: 'changed', from, to });
}
