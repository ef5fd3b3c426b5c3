import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { environmentView } from '../../environments/view.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/environments`: the environments' rules, as the server's config file set them. */
export function environmentRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => c.json({ environments: Object.values(ctx.environments).map(environmentView) }));
  app.get('/:name', guard, (c) => {
    const environment = ctx.environments[c.req.param('name')];
    if (!environment) throw new CutoverError(ErrorCode.NotFound, `no environment named "${c.req.param('name')}"; known: ${Object.keys(ctx.environments).join(', ')}`);
    return c.json(environmentView(environment));
  });
  return app;
}
