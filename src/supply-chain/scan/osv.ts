import { z } from 'zod';
import { CutoverError, ErrorCode } from '../../core/errors.ts';

/**
 * The parts of an OSV record (https://ossf.github.io/osv-schema/) the scanner
 * reads. Unknown fields are dropped, and optional fields accept null because
 * some exporters write null for "absent".
 */

const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
export type OsvEventKind = (typeof EVENT_KINDS)[number];

const osvEvent = z
  .object({
    introduced: z.string().optional(),
    fixed: z.string().optional(),
    last_affected: z.string().optional(),
    limit: z.string().optional(),
  })
  .refine((event) => EVENT_KINDS.filter((kind) => event[kind] !== undefined).length === 1, {
    message: 'an event has exactly one of introduced, fixed, last_affected or limit',
  });

const osvSeverity = z.object({ type: z.string(), score: z.string() });

const osvRange = z.object({
  type: z.string(),
  repo: z.string().nullish(),
  events: z.array(osvEvent),
});

const osvAffected = z.object({
  package: z.object({ ecosystem: z.string(), name: z.string(), purl: z.string().nullish() }).nullish(),
  severity: z.array(osvSeverity).nullish(),
  ranges: z.array(osvRange).nullish(),
  versions: z.array(z.string()).nullish(),
});

const osvRecord = z.object({
  id: z.string().min(1),
  modified: z.string().nullish(),
  withdrawn: z.string().nullish(),
  aliases: z.array(z.string()).nullish(),
  summary: z.string().nullish(),
  details: z.string().nullish(),
  severity: z.array(osvSeverity).nullish(),
  affected: z.array(osvAffected).nullish(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).nullish(),
  database_specific: z.record(z.string(), z.unknown()).nullish(),
});

export type OsvEvent = z.infer<typeof osvEvent>;
export type OsvSeverity = z.infer<typeof osvSeverity>;
export type OsvRange = z.infer<typeof osvRange>;
export type OsvAffected = z.infer<typeof osvAffected>;
export type OsvRecord = z.infer<typeof osvRecord>;

/** The kind and version of an event that passed validation (exactly one is set). */
export function eventParts(event: OsvEvent): { kind: OsvEventKind; version: string } {
  for (const kind of EVENT_KINDS) {
    const version = event[kind];
    if (version !== undefined) return { kind, version };
  }
  throw new CutoverError(ErrorCode.Internal, `an OSV range event has none of ${EVENT_KINDS.join(', ')}; records are validated to have one, so this is a bug in cutover's OSV validation`);
}

/** A record, or what is wrong with it: `affected[0].ranges[1].events[2]: …`. */
export function parseOsvRecord(input: unknown): { record: OsvRecord } | { problem: string } {
  const result = osvRecord.safeParse(input);
  if (result.success) return { record: result.data };
  const first = result.error.issues[0];
  const where = first ? formatPath(first.path) : '';
  return { problem: `${where ? `${where}: ` : ''}${first?.message ?? 'not an OSV record'}` };
}

/** `affected[0].ranges[1]`, `database_specific`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(segment))) text += text ? `.${String(segment)}` : String(segment);
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}
