import { z } from 'zod';
import { DurationMax, parseDuration } from '../../core/duration.ts';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import type { RetryPolicy } from './retry.ts';
import type { RulesInput } from './rules-config.ts';
import { webhookKey } from './signature.ts';
import type { SinkConfig } from './sink.ts';

export interface AlertsConfig {
  /** Per rule: `enabled`, `severity` and its threshold; rules left out keep their defaults. */
  rules?: RulesInput;
  sinks: SinkConfig[];
  retry?: Partial<RetryPolicy>;
  /** How long one attempt may take. @default 10000 */
  timeoutMs?: number;
  /** An alert id sent within this window is not sent again. @default 3600000 (1h) */
  dedupWindowMs?: number;
}

const severity = z.enum(['critical', 'warning', 'info']);
/** Milliseconds from 0 up to a documented maximum (README: "Duration limits"), so no timer overflows. */
const ms = (max: DurationMax) => {
  const maxMs = parseDuration(max)!;
  return z.number().int().min(0).max(maxMs, { error: `expected at most ${maxMs} (${max})` });
};
const rule = { enabled: z.boolean().optional(), severity: severity.optional() };
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
const secret = z.string().refine((value) => tryKey(value) === null, { error: (issue) => tryKey(String(issue.input)) ?? 'invalid secret' });

const schema = z.strictObject({
  rules: z
    .strictObject({
      'deployment-failed': z.strictObject(rule).optional(),
      'deployment-rolled-back': z.strictObject(rule).optional(),
      'waiting-for-person': z.strictObject({ ...rule, afterMs: ms(DurationMax.deadline).positive().optional() }).optional(),
      'progress-deadline-near': z.strictObject({ ...rule, fraction: z.number().gt(0).lte(1).optional() }).optional(),
      'analysis-inconclusive': z.strictObject(rule).optional(),
    })
    .optional(),
  sinks: z.array(
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('webhook'), url: httpUrl, secret, name: z.string().optional() }),
      z.strictObject({ type: z.literal('slack'), url: httpUrl, name: z.string().optional() }),
      z.strictObject({ type: z.literal('log'), name: z.string().optional() }),
    ]),
  ),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(20).optional(),
      baseDelayMs: ms(DurationMax.task).optional(),
      maxDelayMs: ms(DurationMax.task).optional(),
    })
    .optional(),
  timeoutMs: ms(DurationMax.probe).positive().optional(),
  dedupWindowMs: ms(DurationMax.hold).optional(),
});

/** Validates alerts config once, where it enters; every problem names its field (`sinks[1].secret`). */
export function parseAlertsConfig(input: unknown): AlertsConfig {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data as AlertsConfig;
  const problems = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  const list = problems.map((problem) => `${problem.path || '(config)'}: ${problem.message}`).join('; ');
  throw new CutoverError(ErrorCode.InvalidRequest, `invalid alerts config: ${list}`, { problems });
}

function tryKey(value: string): string | null {
  try {
    webhookKey(value);
    return null;
  } catch (error) {
    return messageOf(error);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}
