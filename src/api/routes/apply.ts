import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import type { ArtifactClaim } from '../../engine/security-checks.ts';
import type { SupersedeRequest } from '../../engine/supersede.ts';
import { imageArtifactOf, validateSpec, type ServiceSpec } from '../../spec/index.ts';
import { deploymentNote, noteAudit } from '../audit-trail.ts';
import { requirePermission, type AuthEnv } from '../auth.ts';
import { jsonBody } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import { statusView } from '../views.ts';

/** `/v1/apply`: deploys a spec with an uploaded artifact. The spec's environment decides who may. */
export function applyRoutes({ ctx, coordinator, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post('/', guard, async (c) => {
    const body = await jsonBody(c);
    const validated = validateSpec(body.spec);
    requirePermission(c.get('identity'), 'deploy', validated.spec.environment);
    // Secret values are sealed before anything else sees the spec.
    const { spec, document } = await ctx.secrets.seal(validated.spec, validated.document);
    const deployment = await coordinator.apply(spec, document, artifactClaim(body, spec), c.get('user'), supersedeOption(body));
    noteAudit(c, deploymentNote(ctx, deployment, { signed: typeof (body.artifact as { signature?: unknown } | undefined)?.signature === 'string' }));
    return c.json({ deployment: deployment.id, revision: deployment.revision, status: statusView(ctx, deployment) }, 202);
  });
  return app;
}

/** The `supersede` of an apply-like body: absent means true (a deployment in flight is superseded). */
export function supersedeOption(body: Record<string, unknown>): SupersedeRequest {
  if (body.supersede === undefined) return {};
  if (typeof body.supersede !== 'boolean') {
    throw new CutoverError(ErrorCode.InvalidRequest, 'supersede must be true or false (false: refuse with 409 while a deployment is in flight, as `cutover apply --no-supersede` does)', {
      problems: [{ path: 'supersede', message: 'expected true or false' }],
    });
  }
  return { supersede: body.supersede };
}

/**
 * The `artifact` of an apply-like body: the digest of an upload, its size and
 * signature when given. A spec whose artifact is an image by digest names its
 * digest itself: a body's digest, if any, must be the same.
 */
export function artifactClaim(body: Record<string, unknown>, spec: Pick<ServiceSpec, 'artifact'>): ArtifactClaim {
  const artifact = body.artifact as { digest?: unknown; size?: unknown; signature?: unknown } | undefined;
  const image = imageArtifactOf(spec);
  if (image) {
    if (artifact?.digest !== undefined && artifact.digest !== image.digest) {
      throw new CutoverError(ErrorCode.InvalidRequest, `artifact.digest ${String(artifact.digest)} is not the digest of the spec's artifact.image (${image.reference}); leave artifact.digest out, or send the image's`, {
        problems: [{ path: 'artifact.digest', message: `expected ${image.digest} or nothing` }],
      });
    }
    return { digest: image.digest, size: 0, ...(typeof artifact?.signature === 'string' ? { signature: artifact.signature } : {}) };
  }
  if (typeof artifact?.digest !== 'string') {
    throw new CutoverError(ErrorCode.InvalidRequest, 'artifact.digest is required: upload the artifact to /v1/artifacts and pass its digest', {
      problems: [{ path: 'artifact.digest', message: 'expected the sha256 hex digest of an uploaded artifact' }],
    });
  }
  return {
    digest: artifact.digest,
    size: typeof artifact.size === 'number' ? artifact.size : 0,
    ...(typeof artifact.signature === 'string' ? { signature: artifact.signature } : {}),
  };
}
