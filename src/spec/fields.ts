/**
 * Schemas of the kinds of field a spec is made of: names, integers in a range,
 * durations, ports. Each says, when it fails, what it expected and what it got.
 */
import { z } from 'zod';
import { isAddressRange } from '../core/address-range.ts';
import { parseDuration, type DurationMax } from '../core/duration.ts';
import { expected, expectedText } from './messages.ts';

/** What `parseDuration` reads, without surrounding spaces: "500ms", "1s", "1m30s", "1.5h". */
export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const PERCENT_PATTERN = /^(100|[1-9]?\d)%$/;
const SERVICE_NAME_PATTERN = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENVIRONMENT_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENV_VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An integer from `min` to `max` (or at least `min`). */
export function integer(min: number, max?: number) {
  const error = expected(max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  const atLeast = z.int({ error }).min(min, { error });
  return max === undefined ? atLeast : atLeast.max(max, { error });
}

export function port() {
  return integer(1, 65535);
}

/** Non-empty text; a number or boolean YAML read from unquoted text is an error that says to quote it. */
export function text(what = 'a non-empty string') {
  const error = expectedText(what);
  return z.string({ error }).min(1, { error });
}

/** A service name, DNS-label-like, so it can name processes, routes and (later) Kubernetes objects. */
export function serviceName() {
  const error = expectedText('a name of lowercase letters, digits and "-" that starts with a letter, does not end with "-" and has at most 63 characters');
  return z.string({ error }).regex(SERVICE_NAME_PATTERN, { error });
}

export function environmentName() {
  const error = expectedText('a name of lowercase letters, digits and "-" that does not start or end with "-" and has at most 63 characters');
  return z.string({ error }).regex(ENVIRONMENT_NAME_PATTERN, { error });
}

/** An HTTP path on the instance, like "/healthz". */
export function httpPath() {
  const error = expected('a path starting with "/", like "/healthz"');
  return z.string({ error }).regex(/^\//, { error });
}

/** Environment variables for the service's processes: names to text values. */
export function envVars() {
  const mappingError = expected('a mapping of variable names to strings, like { LOG_LEVEL: "info" }');
  // zod reports a bad key as the record's own issue (code invalid_key), so the record's map words it.
  const error = (issue: { code?: string; input?: unknown }) =>
    issue.code === 'invalid_key'
      ? expected('a variable name of letters, digits and "_", not starting with a digit')(issue)
      : mappingError(issue);
  const value = z.union([z.string(), z.strictObject({ secret: z.string().min(1) })], { error: expectedText('a string, or { secret: "..." } for a value kept encrypted') });
  return z.record(z.string().regex(ENV_VAR_NAME_PATTERN), value, { error });
}

/**
 * A duration as users write it, up to `max` (one of DurationMax: what the
 * code honours, documented in the README). `allowZero` for waits that may be
 * skipped (scaleDownDelay, drainTimeout); zero makes no sense for intervals
 * and deadlines.
 */
export function duration(options: { allowZero: boolean; max: DurationMax }) {
  const what = options.allowZero
    ? `a duration from "0s" to "${options.max}" like "30s" or "500ms"`
    : `a duration greater than 0 and at most "${options.max}" like "1s" or "500ms"`;
  const error = (issue: { input?: unknown }) =>
    typeof issue.input === 'number' && (issue.input > 0 || options.allowZero)
      ? `expected ${what}, got the number ${issue.input}; add a unit, like "${issue.input}s"`
      : expected(what)(issue);
  const maxMs = parseDuration(options.max)!;
  const tooLong = (issue: { input?: unknown }) => `expected ${what}, got ${JSON.stringify(issue.input)}: longer than the maximum ${options.max}`;
  const pattern = z
    .string({ error })
    .regex(DURATION_PATTERN, { error, abort: true })
    .refine((value) => (parseDuration(value) ?? Infinity) <= maxMs, { error: tooLong, abort: true })
    .meta({ examples: options.allowZero ? ['30s', '0s'] : ['1s', '500ms', '1m30s'], 'x-maximum': options.max });
  return options.allowZero
    ? pattern
    : pattern.refine((value) => (parseDuration(value) ?? 0) > 0, { error });
}

/** A count of instances (an integer >= 0) or a percentage of the desired instances ("25%"). */
export function countOrPercent() {
  const error = expected('an integer >= 0 or a percentage from "0%" to "100%" like "25%"');
  return z.union([z.int({ error }).min(0, { error }), z.string({ error }).regex(PERCENT_PATTERN, { error })], { error });
}

/** An IP address or CIDR range, like "10.0.0.0/8". */
export function addressRange() {
  const error = expectedText('an IP address or CIDR range, like "10.0.0.0/8" or "192.168.1.5"');
  return z.string({ error }).refine(isAddressRange, { error });
}

const MEMORY_PATTERN = /^(\d+(\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/;
const MEMORY_UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
/** The engine refuses a memory limit below 6 MiB. */
const MEMORY_MIN = 6 * 1024 ** 2;

/** Bytes of a memory size like "256Mi", "1G" or "67108864"; null when it is not one. */
export function parseMemory(value: string): number | null {
  const match = MEMORY_PATTERN.exec(value);
  return match ? Math.floor(Number(match[1]) * MEMORY_UNITS[match[3] ?? '']!) : null;
}

/** A memory size of at least 6Mi, like "256Mi" or "1G". */
export function memorySize() {
  const error = expectedText('a memory size of at least 6Mi like "256Mi", "512M" or "1Gi"');
  return z.string({ error }).refine((value) => (parseMemory(value) ?? 0) >= MEMORY_MIN, { error });
}
