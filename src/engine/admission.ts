import { statfs } from 'node:fs/promises';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { isPortFree } from '../core/net.ts';
import { checkDeployment } from '../environments/index.ts';
import type { ServiceSpec } from '../spec/types.ts';
import type { EngineContext } from './context.ts';
import { describeRef, refOf } from '../core/types.ts';
import { assessSecurity, rejection, type ArtifactClaim } from './security-checks.ts';

/**
 * Everything the environment requires, checked before anything starts; all
 * failures are reported together.
 */
export async function admit(ctx: EngineContext, spec: ServiceSpec, artifact: ArtifactClaim, author: string): Promise<void> {
  const { digest } = artifact;
  const environment = ctx.environments[spec.environment];
  if (!environment) {
    throw new CutoverError(ErrorCode.InvalidSpec, `spec.environment "${spec.environment}" is not an environment of this server; known: ${Object.keys(ctx.environments).join(', ')}`, {
      problems: [{ path: 'spec.environment', message: `expected one of ${Object.keys(ctx.environments).join(', ')}` }],
    });
  }
  const results = checkDeployment(environment, spec, {
    digest,
    succeededIn: succeededIn(ctx, digest),
    ports: await portChecks(ctx, spec),
    disk: { free: await freeBytes(ctx.dataDir), needed: artifact.size * 4 },
    now: new Date(),
  });
  const nextRevision = (ctx.store.services.revisions(refOf(spec)).at(-1)?.number ?? 0) + 1;
  const security = await assessSecurity(ctx, environment, spec, nextRevision, artifact, author);
  const failures = [...results, ...security.checks].filter((result) => !result.ok);
  if (failures.length) throw rejection(spec, environment.name, failures);
}

/** Environments in which a deployment of this exact artifact succeeded (any service). */
export function succeededIn(ctx: EngineContext, digest: string): string[] {
  const environments = new Set<string>();
  for (const revision of ctx.store.services.revisionsOf(digest)) {
    for (const d of ctx.store.deployments.list(revision)) {
      if (d.phase === 'Succeeded' && d.revision === revision.number) environments.add(d.environment);
    }
  }
  return [...environments];
}

/** The service port must be free or already this service's router; so must the preview port. */
async function portChecks(ctx: EngineContext, spec: ServiceSpec) {
  const ports = [{ port: spec.port, field: 'spec.port' }];
  if (spec.strategy.type === 'blueGreen' && spec.strategy.previewPort !== undefined) ports.push({ port: spec.strategy.previewPort, field: 'spec.strategy.blueGreen.previewPort' });
  const checks = [];
  for (const { port, field } of ports) {
    const owner = ctx.store.services.list().find((s) => s.port === port || (s.spec.strategy.type === 'blueGreen' && s.spec.strategy.previewPort === port));
    if (owner) checks.push({ field, port, ok: owner.name === spec.name && owner.environment === spec.environment, owner: describeRef(refOf(owner)) });
    else checks.push({ field, port, ok: await isPortFree(port) });
  }
  return checks;
}

async function freeBytes(dir: string): Promise<number> {
  const info = await statfs(dir);
  return info.bavail * info.bsize;
}
