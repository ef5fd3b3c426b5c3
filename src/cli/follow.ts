import { setTimeout as sleep } from 'node:timers/promises';
import type { StatusView } from '../api/views.ts';
import type { ApiClient } from './client.ts';
import { EXIT, weightsText } from './output.ts';
import { parseSse } from './sse.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';

/** One line describing where a deployment is. */
export function progressLine(status: StatusView): string {
  const healthy = status.instances.filter((i) => i.healthy);
  const byRevision = [...new Set(status.instances.map((i) => i.revision))]
    .sort((a, b) => a - b)
    .map((revision) => `r${revision} ${healthy.filter((i) => i.revision === revision).length}/${status.instances.filter((i) => i.revision === revision).length}`)
    .join(' ');
  const step = status.step.total ? `step ${Math.min(status.step.index + (status.step.current ? 1 : 0), status.step.total)}/${status.step.total}` : 'no steps';
  return `${status.phase.padEnd(11)} ${step}${status.step.current ? ` (${status.step.current})` : ''} · weights ${weightsText(status.weights)} · healthy ${byRevision || 'none'} · ${status.message}`;
}

export function exitCodeOf(status: StatusView): number {
  return status.phase === 'Succeeded' ? EXIT.ok : EXIT.failed;
}

/**
 * Waits for the next event of a service on the server's event stream
 * (resuming from `after`), or for `timeoutMs`. Returns the last event id
 * seen; a dropped connection just ends the wait, and the next call resumes.
 */
async function nextEvents(client: ApiClient, service: string, after: number, timeoutMs: number): Promise<number> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await client.stream(`/v1/events/stream?service=${encodeURIComponent(service)}&after=${after}`, controller.signal);
    for await (const event of parseSse(response)) {
      // Batch what arrives together: stop reading shortly after the first event.
      after = Math.max(after, Number(event.id) || after);
      setTimeout(() => controller.abort(), 150);
    }
  } catch {
    // aborted on purpose, or the server went away: the caller polls status anyway
  } finally {
    clearTimeout(timer);
  }
  return after;
}

/** How long a follower waits for a server that went away (a restart) before giving up. */
const SERVER_GRACE_MS = 60_000;

/** The status, waiting through a restart of the server: its deployments resume, so following them should too. */
async function statusThroughRestarts(client: ApiClient, service: string): Promise<StatusView> {
  const deadline = Date.now() + SERVER_GRACE_MS;
  let warned = false;
  while (true) {
    try {
      return await client.request<StatusView>('GET', `/v1/services/${encodeURIComponent(service)}`);
    } catch (error) {
      if (!(error instanceof CutoverError && error.code === ErrorCode.ServerUnavailable) || Date.now() > deadline) throw error;
      if (!warned) process.stderr.write(`\nthe server does not answer; waiting up to ${SERVER_GRACE_MS / 1000}s for it to come back…\n`);
      warned = true;
      await sleep(1000);
    }
  }
}

/**
 * Follows a deployment until it ends, driven by the server's event stream:
 * a live line on a terminal, plain lines (one per change) otherwise.
 * Resolves with the final status.
 */
export async function followDeployment(client: ApiClient, service: string, deployment: number, options: { untilPaused?: boolean } = {}): Promise<StatusView> {
  const tty = Boolean(process.stdout.isTTY);
  let last = '';
  let lastStep = -1;
  let after = -1;
  while (true) {
    if (after < 0) after = (await client.request<{ last: number }>('GET', `/v1/events?service=${encodeURIComponent(service)}&after=${Number.MAX_SAFE_INTEGER}`)).last;
    const status = await statusThroughRestarts(client, service);
    const line = progressLine(status);
    if (line !== last) {
      if (tty) {
        if (status.step.index !== lastStep && last !== '') process.stdout.write('\n');
        process.stdout.write(`\r\x1b[2K${line.slice(0, (process.stdout.columns || 200) - 1)}`);
      } else {
        process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      }
      last = line;
      lastStep = status.step.index;
    }
    const finished = status.deployment.id !== deployment || status.deployment.finishedAt !== null;
    if (finished || (options.untilPaused && status.phase === 'Paused')) {
      if (tty) process.stdout.write('\n');
      return status;
    }
    after = await nextEvents(client, service, after, 2000).catch(async () => (await sleep(500), after));
  }
}
