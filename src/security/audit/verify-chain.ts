import { GENESIS_HASH, hashEntry } from './entry.ts';
import type { AuditEntry } from './entry.ts';
import type { AuditHead } from './head.ts';

export type TamperKind = 'edited' | 'removed' | 'reordered' | 'inserted';

export type VerifyResult = { ok: true; entries: number } | { ok: false; firstBadSeq: number; problem: TamperKind; message: string };

const bad = (firstBadSeq: number, problem: TamperKind, message: string): VerifyResult => ({ ok: false, firstBadSeq, problem, message });
const range = (first: number, last: number, verb: string): string => (first === last ? `entry ${first} was ${verb}` : `entries ${first} to ${last} were ${verb}`);

/**
 * Checks the chain: entries numbered 1, 2, 3… with no gap, each hashing to
 * its own `hash` and linking to the one before. On the first break it works
 * out what was done there (edited, removed, moved or inserted) and says so.
 *
 * What a chain cannot see on its own: entries removed from the end, and a log
 * rewritten from some entry on with every later hash recomputed (anyone who
 * can write the database can do that). Pass a head saved elsewhere earlier to
 * catch both; without one, say so rather than promise more.
 */
export function verifyChain(entries: readonly AuditEntry[], head?: AuditHead): VerifyResult {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const intact = entry.seq === i + 1 && hashEntry(entry) === entry.hash && entry.prevHash === linkBefore(entries, i - 1);
    if (!intact) return diagnose(entries, i);
  }
  return head ? checkHead(entries, head) : { ok: true, entries: entries.length };
}

/** The hash entry `i` carries, or the genesis hash before the first. */
function linkBefore(entries: readonly AuditEntry[], i: number): string {
  return i < 0 ? GENESIS_HASH : entries[i]!.hash;
}

/** What entry `i`, the first that does not fit, tells about what was done. Entries before it are intact. */
function diagnose(entries: readonly AuditEntry[], i: number): VerifyResult {
  const entry = entries[i]!;
  const expected = i + 1;
  const before = i === 0 ? 'the start of the log' : `entry ${i}`;

  if (entry.seq > expected) {
    const moved = entries.slice(i + 1).find((other) => hashesAs(other, expected));
    if (moved) return bad(expected, 'reordered', `entry ${expected} was reordered: it now sits at ${moved.seq}`);
    return bad(expected, 'removed', `${range(expected, entry.seq - 1, 'removed')}: entry ${entry.seq} comes right after ${before}`);
  }

  const original = hashEntry(entry) === entry.hash ? entry.seq : originalSeq(entries, entry);
  if (i > 0 && original !== undefined && entry.prevHash === linkBefore(entries, i - 2)) {
    return bad(i, 'inserted', `entry ${i} was inserted: the entry after it links to ${i === 1 ? 'the start of the log' : `entry ${i - 1}`}, skipping it`);
  }

  const predecessor = entries.find((other) => other.hash === entry.prevHash);
  if (original !== undefined && original !== entry.seq) {
    if (!predecessor && original > entry.seq) {
      return bad(expected, 'removed', `${range(expected, original - 1, 'removed')} and the entries after renumbered: what was entry ${original} now sits at ${entry.seq}`);
    }
    return bad(entry.seq, 'reordered', `entry ${entry.seq} was reordered: it holds what was entry ${original}`);
  }

  if (original === undefined) {
    const next = entries[i + 1];
    // An edited entry keeps its place in the chain; one the next entry links past was never in it.
    const skipped = next !== undefined && next.prevHash === linkBefore(entries, i - 1);
    if (skipped) return bad(entry.seq, 'inserted', `entry ${entry.seq} was inserted: it is not part of the chain, and the entry after it links to ${before}`);
    return bad(entry.seq, 'edited', `entry ${entry.seq} was edited: its hash does not match its content`);
  }

  // The entry itself is whole but links to something other than the entry before it.
  if (predecessor) return bad(entry.seq, 'reordered', `entry ${entry.seq} was reordered: it follows entry ${predecessor.seq} in the chain, not ${before}`);
  if (i === 0) return bad(1, 'edited', 'entry 1 was edited and its hash recomputed: it does not link to the start of the log');
  return bad(i, 'edited', `entry ${i} was edited: its hash was recomputed to match, but entry ${entry.seq} still links to the original`);
}

function hashesAs(entry: AuditEntry, seq: number): boolean {
  return hashEntry({ ...entry, seq }) === entry.hash;
}

/**
 * The number an entry had when it was written, found by trying numbers near
 * its own: seq is part of the hash, so a moved or renumbered entry still
 * proves where it was. Only run on the first break, so the cost is bounded.
 */
function originalSeq(entries: readonly AuditEntry[], entry: AuditEntry): number | undefined {
  const limit = Math.max(entries.length, entries.at(-1)?.seq ?? 0) + entries.length;
  for (let distance = 1; distance <= limit; distance++) {
    if (hashesAs(entry, entry.seq + distance)) return entry.seq + distance;
    if (entry.seq - distance >= 1 && hashesAs(entry, entry.seq - distance)) return entry.seq - distance;
  }
  return undefined;
}

function checkHead(entries: readonly AuditEntry[], head: AuditHead): VerifyResult {
  const last = entries.length;
  if (head.seq > last) {
    return bad(last + 1, 'removed', `${range(last + 1, head.seq, 'removed')} from the end: the saved head is entry ${head.seq} but the log ends at ${last === 0 ? 'the start' : `entry ${last}`}`);
  }
  if (head.seq > 0 && entries[head.seq - 1]!.hash !== head.hash) {
    return bad(head.seq, 'edited', `entry ${head.seq} was edited, or one before it: its hash is not the saved head's, so the log was rewritten and its hashes recomputed`);
  }
  if (head.seq === 0 && head.hash !== GENESIS_HASH) {
    return bad(1, 'edited', 'the saved head is not one this log could have had: entry 0 always has the genesis hash');
  }
  return { ok: true, entries: last };
}
