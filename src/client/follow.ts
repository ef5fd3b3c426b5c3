import { setTimeout as sleep } from 'node:timers/promises';
import type { StatusView } from '../api/views.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { ServiceRef } from '../core/types.ts';
import { servicePath } from './services.ts';
import type { ApiClient } from './api-client.ts';
import { parseSse } from './sse.ts';

/** What a follower is told while a deployment moves. */
export interface FollowOptions {
  /** Called after each look at the service, with its status; `done` is true on the last call. */
  onStatus?(status: StatusView, done: boolean): void;
  /** Called when the server stops answering, before waiting up to `graceMs` for it to come back. */
  onServerGone?(graceMs: number): void;
  /** Ends the wait: following rejects with the signal's reason (the CLI's `--timeout`). */
  signal?: AbortSignal;
}

/** How long a follower waits for a server that went away (a restart) before giving up. */
export const SERVER_GRACE_MS = 60_000;

/**
 * Follows a deployment until it ends (or another deployment of the service
 * replaces it), driven by the server's event stream, through restarts of the
 * server: its deployments resume, so following them should too. Resolves with
 * the final status.
 */
export async function followDeployment(client: ApiClient, ref: ServiceRef, deployment: number, options: FollowOptions = {}): Promise<StatusView> {
  const path = servicePath(ref);
  let after = (await client.request<{ last: number }>('GET', `/v1/events?${eventFilter(ref)}&after=${Number.MAX_SAFE_INTEGER}`)).last;
  while (true) {
    options.signal?.throwIfAborted();
    const status = await statusThroughRestarts(client, path, options);
    const done = status.deployment.id !== deployment || status.deployment.finishedAt !== null;
    options.onStatus?.(status, done);
    if (done) return status;
    after = await nextEvents(client, ref, after, 2000, options.signal);
  }
}

/** The status, retried while the server does not answer, for up to SERVER_GRACE_MS. */
async function statusThroughRestarts(client: ApiClient, path: string, options: FollowOptions): Promise<StatusView> {
  const deadline = Date.now() + SERVER_GRACE_MS;
  let told = false;
  while (true) {
    try {
      return await client.request<StatusView>('GET', path);
    } catch (error) {
      if (!(error instanceof CutoverError && error.code === ErrorCode.ServerUnavailable) || Date.now() > deadline) throw error;
      if (!told) options.onServerGone?.(SERVER_GRACE_MS);
      told = true;
      await sleep(1000, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}

/**
 * Waits for the next events of a service on the server's event stream
 * (resuming from `after`), or for `timeoutMs`. Returns the last event id
 * seen; a dropped connection just ends the wait, and the next call resumes.
 */
async function nextEvents(client: ApiClient, ref: ServiceRef, after: number, timeoutMs: number, stop?: AbortSignal): Promise<number> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onStop = () => controller.abort();
  stop?.addEventListener('abort', onStop, { once: true });
  try {
    const body = await client.stream(`/v1/events/stream?${eventFilter(ref)}&after=${after}`, controller.signal);
    for await (const event of parseSse(body)) {
      // Batch what arrives together: stop reading shortly after the first event.
      after = Math.max(after, Number(event.id) || after);
      setTimeout(() => controller.abort(), 150);
    }
  } catch {
    // Aborted on purpose (the signal is set, so no wait), or the stream failed:
    // wait a little before the caller asks for the status again, rather than spin.
    await sleep(500, undefined, { signal: controller.signal }).catch(() => undefined);
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', onStop);
  }
  return after;
}

function eventFilter(ref: ServiceRef): string {
  return new URLSearchParams({ service: ref.service, environment: ref.environment }).toString();
}
