import { INPUT_VARIABLE } from './cel.ts';
import { POLICY_INPUT_FIELDS } from './types.ts';
import type { PolicyInput } from './types.ts';

/** `{{scan.critical}}`, `{{ deployment.service }}`, `{{spec.run.command.0}}`. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w]*(?:\.(?:[A-Za-z_]\w*|\d+))*)\s*\}\}/g;

/** What a placeholder shows when the input has no such field, e.g. the counts of an unscanned artifact. */
export const NOT_SET = '(not set)';

/** The placeholder's field path inside the input; `deployment.` is allowed in front, as in expressions. */
function fieldPath(placeholder: string): string[] {
  const path = placeholder.split('.');
  return path[0] === INPUT_VARIABLE && path.length > 1 ? path.slice(1) : path;
}

/** Placeholders whose first field is not one of the input's, as problems for the message. */
export function unknownPlaceholders(message: string): string[] {
  const known: readonly string[] = POLICY_INPUT_FIELDS;
  return [...message.matchAll(PLACEHOLDER)]
    .filter((match) => !known.includes(fieldPath(match[1] ?? '')[0] ?? ''))
    .map((match) => `uses ${match[0]}, which is not a field of the input; fields: ${POLICY_INPUT_FIELDS.join(', ')}`);
}

/** The message with each placeholder replaced by the input's value at its path. */
export function renderMessage(message: string, input: PolicyInput): string {
  return message.replace(PLACEHOLDER, (_match, placeholder: string) => show(valueAt(input, fieldPath(placeholder))));
}

function valueAt(input: PolicyInput, path: readonly string[]): unknown {
  let value: unknown = input;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return NOT_SET;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
