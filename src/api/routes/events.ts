import { Hono } from 'hono';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { eventStream } from '../events-stream.ts';

/** `/v1/events`: every deployment event after a sequence number, or as a live stream. */
export function eventRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => {
    const after = Number(c.req.query('after') ?? 0) || 0;
    const of = { service: c.req.query('service') || undefined, environment: c.req.query('environment') || undefined };
    return c.json({ last: ctx.store.deployments.lastSeq(), events: ctx.store.deployments.eventsAfter(after, of) });
  });
  app.get('/stream', guard, (c) => eventStream(c, ctx));
  return app;
}
