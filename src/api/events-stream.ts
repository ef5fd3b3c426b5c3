import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EngineContext } from '../engine/context.ts';
import { redactCredentials } from '../core/redact.ts';
import type { StoredEvent } from '../store/index.ts';
import type { AuthEnv } from './auth.ts';
import type { StreamSlots } from './stream-slots.ts';
import { environmentFilter, sees, visibleEnvironments } from './visibility.ts';

/**
 * Every deployment event as Server-Sent Events, in order, each with its
 * sequence number as the event id, whichever replica wrote it. A client that reconnects with
 * `Last-Event-ID` (or `?after=`) gets everything it missed from the store,
 * then live events: nothing is lost between the backlog and the live feed
 * because live events are queued from before the backlog is read. Each
 * stream holds one of its identity's slots until it ends.
 */
export function eventStream(c: Context<AuthEnv>, ctx: EngineContext, slots: StreamSlots) {
  // Taken before anything is streamed (a refusal is a plain 429), freed when the stream ends however it ends.
  const free = slots.take(c.get('user'));
  const service = c.req.query('service') || undefined;
  const environment = c.req.query('environment') || undefined;
  const after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0) || 0;
  // The caller sees only the environments it holds a role on, in the backlog and live.
  const visible = visibleEnvironments(c);
  const of = { service, environment, environments: environmentFilter(visible) };
  const matches = (event: StoredEvent) => (!service || event.service === service) && (!environment || event.environment === environment) && sees(visible, event.environment);

  return streamSSE(c, async (stream) => {
    const queue: StoredEvent[] = [];
    let wake: (() => void) | null = null;
    // Every replica's events, in order (the store's feed), so a follower's stream shows what the leader does.
    let unsubscribe: () => void;
    try {
      unsubscribe = ctx.store.deployments.follow((event) => {
        queue.push(event);
        wake?.();
      });
    } catch (error) {
      // PostgreSQL's LISTEN could not start: the slot is not held by a stream that never began.
      free();
      throw error;
    }
    stream.onAbort(() => {
      unsubscribe();
      free();
      wake?.();
    });
    let last = after;
    const send = async (event: StoredEvent) => {
      if (event.seq <= last) return;
      last = event.seq;
      if (matches(event)) await stream.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(redactCredentials(event)) });
    };
    try {
      for (let batch = ctx.store.deployments.eventsAfter(last, of); batch.length; batch = ctx.store.deployments.eventsAfter(last, of)) {
        for (const event of batch) await send(event);
      }
      while (!stream.aborted) {
        while (queue.length) await send(queue.shift()!);
        // A comment line every 15s keeps proxies from closing an idle stream;
        // its timer does not keep a stopping server alive (ref: false).
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(15_000, undefined, { ref: false }).then(() => stream.write(': keep-alive\n\n'))]);
        wake = null;
      }
    } finally {
      unsubscribe();
      free();
    }
  });
}
