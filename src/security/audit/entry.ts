import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

export const OUTCOMES = ['allowed', 'denied', 'failed', 'succeeded'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What happened, as the caller reports it. */
export interface AuditRecord {
  /** The user, or `anonymous` when authentication failed. */
  actor: string;
  /** What was asked for: `deploy`, `rollback`, `user.add`, … */
  action: string;
  /** What it was done to: `service/web`, `user/alice`, … */
  target: string;
  outcome: Outcome;
  /** The HTTP status answered, when there was one. */
  status?: number;
  /** The remote address the call came from. */
  from: string;
  details?: Record<string, unknown>;
}

/** A record as the log keeps it: numbered, timed and chained to the one before. */
export interface AuditEntry extends AuditRecord {
  seq: number;
  /** ISO 8601. */
  at: string;
  prevHash: string;
  hash: string;
}

/** The prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** sha256 of the entry's canonical JSON without `hash` (prevHash included, which is what chains it). */
export function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, at, actor, action, target, outcome, status, from, details, prevHash } = entry;
  const content = { seq, at, actor, action, target, outcome, status, from, details, prevHash };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

// Names whose values are credentials. The audit log is read by more people than the secrets should be.
const SECRET_FIELD = /^(secret|token|password|authorization|api[-_]?key|private[-_]?key)$/i;

/** The details as plain JSON data, with values of credential-named fields replaced. */
export function cleanDetails(details: Record<string, unknown>): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  return redact(plain) as Record<string, unknown>;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, SECRET_FIELD.test(key) ? '[redacted]' : redact(field)]));
}
