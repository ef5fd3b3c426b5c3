import { Hono } from 'hono';
import { authorize } from '../../security/identity/index.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { pipelineView } from '../pipeline.ts';

/** `/v1/pipelines/:name`: a service's every environment side by side (version, revision, digest, phase, when, by whom, stages passed). */
export function pipelineRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/:name', guard, (c) => {
    const view = pipelineView(ctx, c.req.param('name'));
    // Only the stages the caller may read.
    return c.json({ ...view, stages: view.stages.filter((stage) => authorize(c.get('identity'), 'read', stage.environment).ok) });
  });
  return app;
}
