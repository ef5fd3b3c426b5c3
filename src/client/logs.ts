import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { ServiceRef } from '../core/types.ts';
import type { ApiClient } from './api-client.ts';
import { SERVER_GRACE_MS } from './follow.ts';
import { servicePath } from './services.ts';

/** What `logs --follow` asks for. */
export interface LogFollowOptions {
  /** Earlier lines per instance to start with. */
  lines: number;
  /** One instance only (also a stopped one). */
  instance?: string;
  /** Ends following: rejects with the signal's reason (the CLI's `--timeout`). */
  signal?: AbortSignal;
  /** Told when the server stops answering (a restart), before waiting up to SERVER_GRACE_MS for it. */
  onServerGone?(graceMs: number): void;
}

/**
 * Writes a service's log lines to `out` as the server streams them (its
 * instances, and those a deployment starts later), until `signal` aborts.
 * Through a restart of the server it reconnects for new lines only: lines
 * written while it was away may be missing, none is printed twice.
 */
export async function followLogs(client: ApiClient, ref: ServiceRef, out: { write(text: string): unknown }, options: LogFollowOptions): Promise<never> {
  let lines = options.lines;
  while (true) {
    options.signal?.throwIfAborted();
    const controller = new AbortController();
    const stop = () => controller.abort();
    options.signal?.addEventListener('abort', stop, { once: true });
    const query = new URLSearchParams({ follow: 'true', lines: String(lines), ...(options.instance ? { instance: options.instance } : {}) });
    try {
      const body = await client.stream(`${servicePath(ref, '/logs')}?${query}`, controller.signal, 'text/plain');
      lines = 0;
      const decoder = new TextDecoder();
      for await (const chunk of body) out.write(decoder.decode(chunk, { stream: true }));
    } catch (error) {
      options.signal?.throwIfAborted();
      // Anything but a server that went away (a refusal, an unknown service) ends following.
      if (!(error instanceof CutoverError && error.code === ErrorCode.ServerUnavailable) && !(error instanceof TypeError)) throw error;
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
    options.signal?.throwIfAborted();
    // The stream ended: the server stopped (or restarted). Wait for it, then follow on.
    options.onServerGone?.(SERVER_GRACE_MS);
    await waitForServer(client, options.signal);
  }
}

/** Resolves once the server answers its health check again; gives up after SERVER_GRACE_MS. */
async function waitForServer(client: ApiClient, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + SERVER_GRACE_MS;
  while (Date.now() < deadline) {
    await sleep(1000, undefined, signal ? { signal } : {}).catch(() => signal?.throwIfAborted());
    const up = await fetch(`${client.server}/healthz`, signal ? { signal } : {}).then((r) => r.ok, () => false);
    if (up) return;
  }
  throw new CutoverError(ErrorCode.ServerUnavailable, `the cutover server at ${client.server} did not come back within ${SERVER_GRACE_MS / 1000}s; run \`cutover logs\` again once it is up`, { context: { server: client.server } });
}
