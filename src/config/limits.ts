import { z } from 'zod';
import { parseDuration } from '../core/duration.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';

/** What one caller or one request may take from the server (the `limits:` section of its config file). */
export interface ServerLimits {
  /** Artifact uploads larger than this are refused mid-stream with 413. @default 512 MiB */
  artifactBytes: number;
  /** Event streams (`GET /v1/events/stream`) one identity may hold open at once; the next gets 429. @default 20 */
  eventStreamsPerIdentity: number;
  /** An upload no revision uses is removed once it is this old (checked at start and every few minutes). @default 1h */
  unusedUploadsAfterMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = { artifactBytes: 512 * 1024 * 1024, eventStreamsPerIdentity: 20, unusedUploadsAfterMs: 3_600_000 };

const SIZE = /^(\d+)\s*(B|KiB|MiB|GiB)?$/;
const UNIT = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

/** "512MiB", "64KiB", "1048576": bytes; undefined when not a size. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text > 0 ? text : undefined;
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * UNIT[(match[2] ?? 'B') as keyof typeof UNIT];
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

const size = z.union([z.string(), z.number()]).refine((value) => parseSize(value) !== undefined, { error: 'expected a size like "512MiB", "64KiB" or a number of bytes above 0' });
const schema = z.strictObject({
  artifactSize: size.optional(),
  eventStreamsPerIdentity: z.int().min(1).max(10_000).optional(),
  unusedUploadsAfter: z
    .string()
    .refine((value) => (parseDuration(value) ?? 0) >= 1000, { error: 'expected a duration of at least 1s, like "1h"' })
    .optional(),
});

/** The `limits:` section: `{ artifactSize: 512MiB, eventStreamsPerIdentity: 20, unusedUploadsAfter: 1h }`, each optional. */
export function parseLimitsConfig(input: unknown): ServerLimits {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ path: ['limits', ...issue.path].map(String).join('.'), message: issue.message }));
    throw new CutoverError(ErrorCode.InvalidRequest, 'the limits section is not valid; it takes artifactSize, eventStreamsPerIdentity and unusedUploadsAfter', { problems });
  }
  const { artifactSize, eventStreamsPerIdentity, unusedUploadsAfter } = parsed.data;
  return {
    artifactBytes: artifactSize === undefined ? DEFAULT_LIMITS.artifactBytes : parseSize(artifactSize)!,
    eventStreamsPerIdentity: eventStreamsPerIdentity ?? DEFAULT_LIMITS.eventStreamsPerIdentity,
    unusedUploadsAfterMs: unusedUploadsAfter === undefined ? DEFAULT_LIMITS.unusedUploadsAfterMs : parseDuration(unusedUploadsAfter)!,
  };
}
