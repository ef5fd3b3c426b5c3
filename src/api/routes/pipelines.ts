import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { pipelineView } from '../pipeline.ts';
import { sees, visibleEnvironments } from '../visibility.ts';

/** `/v1/pipelines/:name`: a service's every environment side by side (version, revision, digest, phase, when, by whom, stages passed). */
export function pipelineRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get('/:name', guard, (c) => {
    const view = pipelineView(ctx, c.req.param('name'));
    // Only the stages the caller may read, and only they among the stages each artifact passed; none: as if there were no such service.
    const visible = visibleEnvironments(c);
    const stages = view.stages.filter((stage) => sees(visible, stage.environment)).map((stage) => ({ ...stage, passed: stage.passed.filter((environment) => sees(visible, environment)) }));
    if (stages.length === 0) throw new CutoverError(ErrorCode.NotFound, `no service named "${view.service}" in an environment you hold a role on`, { context: { service: view.service } });
    return c.json({ ...view, stages });
  });
  return app;
}
