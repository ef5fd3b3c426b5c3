import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { EngineContext } from '../engine/context.ts';
import { describeRef, pickRef, type ServiceRef } from '../core/types.ts';
import type { InstanceRecord } from '../store/index.ts';
import { noSuchService } from './views.ts';

/** What a logs request asks for: one named instance or the live ones, and how many earlier lines of each. */
export interface LogsQuery {
  instance?: string;
  lines: number;
}

/** The last `lines` lines of a file, reading at most the last 1 MiB, and where the file ended. */
async function tail(file: string, lines: number): Promise<{ lines: string[]; size: number }> {
  const info = await stat(file).catch(() => null);
  if (!info) return { lines: [], size: 0 };
  if (lines === 0) return { lines: [], size: info.size };
  const length = Math.min(info.size, 1024 * 1024);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, info.size - length);
    // The last line may not be complete yet; a follower reads it again from `size`.
    return { lines: buffer.toString('utf8').split('\n').filter((line) => line !== '').slice(-lines), size: info.size };
  } finally {
    await handle.close();
  }
}

/** The instances a query names: the one asked for (also a stopped one), else the live ones. */
function chosenInstances(ctx: EngineContext, ref: ServiceRef, query: LogsQuery): InstanceRecord[] {
  const all = ctx.store.instances.all(ref);
  return query.instance ? all.filter((i) => i.id === query.instance) : all.filter((i) => i.state === 'starting' || i.state === 'ready' || i.state === 'draining');
}

/** Refuses a query for a service or an instance that does not exist (before any streaming starts, so the caller gets a 404). */
function checkQuery(ctx: EngineContext, ref: ServiceRef, query: LogsQuery): InstanceRecord[] {
  if (!ctx.store.services.get(ref)) throw noSuchService(ctx, ref);
  const chosen = chosenInstances(ctx, ref, query);
  if (query.instance && chosen.length === 0) {
    throw new CutoverError(ErrorCode.NotFound, `service ${describeRef(ref)} has no instance ${query.instance}; \`cutover status ${ref.service} --env ${ref.environment}\` lists them`, {
      context: { ...pickRef(ref), instance: query.instance },
    });
  }
  return chosen;
}

/** Log lines of a service's instances (the live ones, or one named instance), each prefixed with its instance id. */
export async function serviceLogs(ctx: EngineContext, ref: ServiceRef, query: LogsQuery): Promise<string> {
  const out: string[] = [];
  for (const instance of checkQuery(ctx, ref, query)) for (const line of (await tail(instance.logPath, query.lines)).lines) out.push(`[${instance.id}] ${line}`);
  return out.length ? `${out.join('\n')}\n` : '';
}

/** At most this many `logs --follow` streams at once per server: each looks at the store and the log files twice a second. */
export const MAX_LOG_FOLLOWERS = 32;
/** How often a follower looks for new lines and new instances. */
const FOLLOW_POLL_MS = 500;
/** The most a follower reads of one file per look; the rest comes on the next look, so one chatty instance cannot stall the others. */
const READ_PER_LOOK = 256 * 1024;
/** A line longer than this is cut into pieces: a file without newlines is not held in memory whole. */
const MAX_LINE = 64 * 1024;

let followers = 0;

/** One instance's log file as a follower reads it: where it got to, and the start of a line not finished yet. */
interface FollowedFile {
  instance: InstanceRecord;
  offset: number;
  partial: string;
}

/**
 * Checks a follow query and takes a follower's place (refused beyond
 * MAX_LOG_FOLLOWERS), before the answer starts: an unknown service or
 * instance, or a full server, is an error the caller can read.
 */
export function startFollowing(ctx: EngineContext, ref: ServiceRef, query: LogsQuery): { lines: (signal: AbortSignal) => AsyncGenerator<string> } {
  checkQuery(ctx, ref, query);
  if (followers >= MAX_LOG_FOLLOWERS) {
    throw new CutoverError(ErrorCode.TooManyRequests, `the server already streams ${MAX_LOG_FOLLOWERS} followed logs; stop one, or read without --follow`, { context: { ...pickRef(ref) } });
  }
  followers += 1;
  return {
    async *lines(signal) {
      try {
        yield* followLogs(ctx, ref, query, signal);
      } finally {
        followers -= 1;
      }
    },
  };
}

/**
 * The last `query.lines` lines of each chosen instance, then every new line
 * as it is written, until `signal` aborts. Instances that start later (a
 * deployment replacing them) are followed from their first line; one that
 * stops is read to its end, then dropped.
 */
async function* followLogs(ctx: EngineContext, ref: ServiceRef, query: LogsQuery, signal: AbortSignal): AsyncGenerator<string> {
  const followed = new Map<string, FollowedFile>();
  for (const instance of chosenInstances(ctx, ref, query)) {
    const start = await tail(instance.logPath, query.lines);
    followed.set(instance.id, { instance, offset: start.size, partial: '' });
    if (start.lines.length) yield start.lines.map((line) => `[${instance.id}] ${line}\n`).join('');
  }
  while (!signal.aborted) {
    await sleep(FOLLOW_POLL_MS, undefined, { signal, ref: false }).catch(() => undefined);
    if (signal.aborted) return;
    let current: InstanceRecord[];
    try {
      current = chosenInstances(ctx, ref, query);
    } catch {
      return; // the store closed: the server is stopping
    }
    const ids = new Set(current.map((i) => i.id));
    for (const instance of current) if (!followed.has(instance.id)) followed.set(instance.id, { instance, offset: 0, partial: '' });
    for (const [id, file] of followed) {
      const gone = !ids.has(id);
      const text = await readNew(file, gone);
      if (text) yield text;
      if (gone) followed.delete(id);
    }
  }
}

/** The complete lines written to a followed file since the last look, prefixed; `last` also flushes an unfinished line. */
async function readNew(file: FollowedFile, last: boolean): Promise<string> {
  const info = await stat(file.instance.logPath).catch(() => null);
  if (!info) return '';
  if (info.size < file.offset) file.offset = 0; // truncated or replaced: read it again from the start
  const length = Math.min(info.size - file.offset, READ_PER_LOOK);
  let text = file.partial;
  if (length > 0) {
    const handle = await open(file.instance.logPath, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, file.offset);
      file.offset += bytesRead;
      text += buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  }
  const lines = text.split('\n');
  file.partial = lines.pop() ?? '';
  if (file.partial.length > MAX_LINE || (last && file.partial)) {
    lines.push(file.partial);
    file.partial = '';
  }
  return lines.map((line) => `[${file.instance.id}] ${line}\n`).join('');
}
