import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';

/** A socket that does not answer within this is down. */
const TIMEOUT_MS = 5_000;

/**
 * Sends one command to an HAProxy CLI socket (the worker's runtime API or the
 * master's CLI) and returns its whole answer. Several commands may be sent at
 * once, separated by `;`. A socket that cannot be reached is a
 * RouterUnavailable error marked retryable (HAProxy may be reloading).
 */
export function runtimeCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(socketPath);
    const fail = (error: unknown): void => {
      socket.destroy();
      reject(
        new CutoverError(ErrorCode.RouterUnavailable, `HAProxy's CLI socket ${socketPath} did not answer "${command.slice(0, 80)}" (${messageOf(error)}); is HAProxy running?`, {
          cause: error,
          retryable: true,
        }),
      );
    };
    socket.setTimeout(TIMEOUT_MS, () => fail(new Error('timed out')));
    socket.once('error', fail);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.once('connect', () => socket.end(`${command}\n`));
  });
}

/** Like runtimeCommand, but waits through a reload (the master re-executes and its socket is briefly gone), at most `waitMs`. */
export async function runtimeCommandPatiently(socketPath: string, command: string, waitMs = 10_000): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await runtimeCommand(socketPath, command);
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(50);
    }
  }
}

/** A worker as the master's `show proc` lists it. */
export interface HaproxyWorker {
  pid: number;
  /** False for workers of an earlier config, finishing their requests after a reload. */
  current: boolean;
}

/** The master's `show proc` answer: its own reload count and its workers. */
export function parseShowProc(text: string): { reloads: number | undefined; workers: HaproxyWorker[] } {
  let section: 'master' | 'workers' | 'old' | 'other' = 'master';
  let reloads: number | undefined;
  const workers: HaproxyWorker[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# workers')) section = 'workers';
    else if (line.startsWith('# old workers')) section = 'old';
    else if (line.startsWith('#')) section = line.startsWith('#<PID>') ? section : 'other';
    else {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 3 || !/^\d+$/.test(fields[0]!)) continue;
      if (fields[1] === 'master') reloads = Number(fields[2]);
      else if (fields[1] === 'worker' && (section === 'workers' || section === 'old')) workers.push({ pid: Number(fields[0]), current: section === 'workers' });
    }
  }
  return { reloads, workers };
}

/** One server's line of `show stat` (CSV). */
export interface ServerStat {
  backend: string;
  server: string;
  /** Requests being served now. */
  current: number;
  /** Requests served since the worker started. */
  total: number;
  /** UP, DOWN, MAINT, NOLB, "no check"… */
  status: string;
}

/** The server lines of `show stat` (frontends and backend totals left out). */
export function parseShowStat(text: string): ServerStat[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
  const column = (name: string): number => header.indexOf(name);
  const [px, sv, scur, stot, status] = ['pxname', 'svname', 'scur', 'stot', 'status'].map(column) as [number, number, number, number, number];
  const stats: ServerStat[] = [];
  for (const line of lines.slice(1)) {
    const fields = line.split(',');
    const server = fields[sv] ?? '';
    if (server === 'FRONTEND' || server === 'BACKEND' || server === '') continue;
    stats.push({ backend: fields[px] ?? '', server, current: Number(fields[scur] ?? 0), total: Number(fields[stot] ?? 0), status: fields[status] ?? '' });
  }
  return stats;
}

/**
 * The streams of `show sess all` that are tunnels (an upgrade HAProxy now
 * relays as raw bytes: WebSockets) to the server named `server` in any
 * backend; the answer is their ids, for `shutdown session`.
 */
export function tunnelsTo(text: string, server: string): string[] {
  const streams: string[] = [];
  for (const block of text.split(/\n(?=0x[0-9a-f]+: )/)) {
    const id = /^(0x[0-9a-f]+): /.exec(block)?.[1];
    if (id && new RegExp(`\\bserver=${server} `).test(block) && /\breq\.st=MSG_TUNNEL\b/.test(block)) streams.push(id);
  }
  return streams;
}
