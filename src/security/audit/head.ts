import { CutoverError, ErrorCode } from '../../core/errors.ts';

/**
 * The last entry's number and hash. Saved somewhere the server cannot write
 * (a ticket, a chat message, another machine), it lets a later verify notice
 * what the chain alone cannot: entries removed from the end, or the whole log
 * rewritten with every hash recomputed.
 */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** `17:3a7b…` */
export function formatHead(head: AuditHead): string {
  return `${head.seq}:${head.hash}`;
}

export function parseHead(text: string): AuditHead {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!match) {
    const message = 'expected the form `seq:hash`, as formatHead writes it: the entry number, a colon, 64 hex digits';
    throw new CutoverError(ErrorCode.InvalidRequest, `head: ${message}`, { context: { field: 'head' }, problems: [{ path: 'head', message }] });
  }
  return { seq: Number(match[1]), hash: match[2]! };
}
