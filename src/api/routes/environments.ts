import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { environmentView } from '../../environments/view.ts';
import { noteAudit } from '../audit-trail.ts';
import type { AuthEnv } from '../auth.ts';
import { sees, visibleEnvironments } from '../visibility.ts';
import type { ApiDeps } from '../deps.ts';

/** `/v1/environments`: the environments' rules, as the server's config file set them. */
export function environmentRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/', guard, (c) => {
    noteAudit(c, { target: 'environments' });
    const visible = visibleEnvironments(c);
    return c.json({ environments: Object.values(ctx.environments).filter((environment) => sees(visible, environment.name)).map(environmentView) });
  });
  app.get('/:name', guard, (c) => {
    noteAudit(c, { target: `environment/${c.req.param('name')}` });
    const environment = ctx.environments[c.req.param('name')];
    if (environment && !sees(visibleEnvironments(c), environment.name)) {
      throw new CutoverError(ErrorCode.Forbidden, `user ${c.get('user')} has no role on environment ${environment.name}; an admin can grant one with \`cutover user grant ${c.get('user')} viewer:${environment.name}\``);
    }
    if (!environment) throw new CutoverError(ErrorCode.NotFound, `no environment named "${c.req.param('name')}"; known: ${Object.keys(ctx.environments).join(', ')}`);
    return c.json(environmentView(environment));
  });
  return app;
}
