import { Hono } from 'hono';
import { redactCredentials } from '../../core/redact.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { eventStream } from '../events-stream.ts';
import { StreamSlots } from '../stream-slots.ts';
import { DEFAULT_LIMITS } from '../../config/limits.ts';
import { environmentFilter, visibleEnvironments } from '../visibility.ts';

/** `/v1/events`: every deployment event after a sequence number, or as a live stream. */
export function eventRoutes({ ctx, guard, limits = DEFAULT_LIMITS }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const slots = new StreamSlots(limits.eventStreamsPerIdentity);
  app.get('/', guard, (c) => {
    const after = Number(c.req.query('after') ?? 0) || 0;
    // Only the environments the caller holds a role on; credentials in what hooks reported are shown as ***.
    const of = { service: c.req.query('service') || undefined, environment: c.req.query('environment') || undefined, environments: environmentFilter(visibleEnvironments(c)) };
    return c.json({ last: ctx.store.deployments.lastSeq(), events: redactCredentials(ctx.store.deployments.eventsAfter(after, of)) });
  });
  app.get('/stream', guard, (c) => eventStream(c, ctx, slots));
  return app;
}
