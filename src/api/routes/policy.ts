import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { assessSecurity } from '../../engine/security-checks.ts';
import { validateSpec } from '../../spec/index.ts';
import { formatPolicyReport } from '../../supply-chain/policy/index.ts';
import { requirePermission, type AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import { artifactClaim } from './apply.ts';

/** `/v1/policy`: what the policies, signature and scan checks would say about an apply, without deploying. */
export function policyRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post('/test', guard, async (c) => {
    const body = await jsonBody(c);
    const { spec } = validateSpec(body.spec);
    requirePermission(c.get('identity'), 'read', spec.environment);
    const claim = artifactClaim(body, spec);
    const environment = ctx.environments[spec.environment];
    if (!environment) {
      throw new CutoverError(ErrorCode.InvalidSpec, `spec.environment "${spec.environment}" is not an environment of this server`, {
        problems: [{ path: 'spec.environment', message: `expected one of ${Object.keys(ctx.environments).join(', ')}` }],
      });
    }
    const assessment = await assessSecurity(ctx, environment, spec, 0, { ...claim, size: 0 }, c.get('user'));
    return c.json({ policy: assessment.policy, checks: assessment.checks, signature: assessment.signature, scan: assessment.scan?.summary ?? null, report: formatPolicyReport(assessment.policy) });
  });
  return app;
}
