import { Hono } from 'hono';
import { previewApply } from '../../engine/preview.ts';
import { validateSpec } from '../../spec/index.ts';
import { requirePermission, type AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import { artifactClaim } from './apply.ts';

/**
 * `/v1/plan`: what an apply of the spec would change, run and meet
 * (`cutover plan`), changing nothing. Reading is enough: it shows what a
 * viewer of the spec's environment can already read (what runs, the
 * environment's rules), side by side with the spec they hold.
 */
export function planRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post('/', guard, async (c) => {
    const body = await jsonBody(c);
    const { spec } = validateSpec(body.spec);
    requirePermission(c.get('identity'), 'read', spec.environment);
    return c.json(await previewApply(ctx, spec, artifactClaim(body, spec), c.get('user')));
  });
  return app;
}
