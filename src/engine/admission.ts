import { statfs } from 'node:fs/promises';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { isPortFree } from '../core/net.ts';
import { checkDeployment, type CheckResult, type Environment } from '../environments/index.ts';
import { imageArtifactOf } from '../spec/image-artifact.ts';
import type { ServiceSpec } from '../spec/types.ts';
import type { EngineContext } from './context.ts';
import { describeRef, refOf } from '../core/types.ts';
import { assessSecurity, rejection, type ArtifactClaim } from './security-checks.ts';

/**
 * Everything the environment requires, checked before anything starts; all
 * failures are reported together.
 */
export async function admit(ctx: EngineContext, spec: ServiceSpec, artifact: ArtifactClaim, author: string): Promise<void> {
  const environment = environmentOf(ctx, spec);
  const results = await environmentChecks(ctx, environment, spec, artifact);
  const security = await assessSecurity(ctx, environment, spec, nextRevision(ctx, spec), artifact, author);
  const failures = [...results, ...security.checks].filter((result) => !result.ok);
  if (failures.length) throw rejection(spec, environment.name, failures);
}

/** The environment a spec deploys to, or the error naming the ones this server has. */
export function environmentOf(ctx: EngineContext, spec: ServiceSpec): Environment {
  const environment = ctx.environments[spec.environment];
  if (!environment) {
    throw new CutoverError(ErrorCode.InvalidSpec, `spec.environment "${spec.environment}" is not an environment of this server; known: ${Object.keys(ctx.environments).join(', ')}`, {
      problems: [{ path: 'spec.environment', message: `expected one of ${Object.keys(ctx.environments).join(', ')}` }],
    });
  }
  return environment;
}

/** The environment's own rules (instances, strategy, windows, requiresSuccessIn, ports, disk) applied to a deployment now; reads only. */
export async function environmentChecks(ctx: EngineContext, environment: Environment, spec: ServiceSpec, artifact: Pick<ArtifactClaim, 'digest' | 'size'>): Promise<CheckResult[]> {
  const image = imageArtifactOf(spec);
  // An image runs only where instances are containers; a process platform has nothing to run it with.
  const platform: CheckResult[] =
    image && environment.platform !== 'docker' && environment.platform !== 'swarm'
      ? [{ check: 'artifact', ok: false, message: `artifact.image ${image.reference} runs only where instances are containers, and ${environment.name} runs them as ${environment.platform === 'simulated' ? 'simulated instances' : 'processes (platform local)'}; deploy files (artifact.path) there, or give ${environment.name} platform: docker or swarm in the server's config` }]
      : [];
  return [...platform, ...checkDeployment(environment, spec, {
    digest: artifact.digest,
    succeededIn: succeededIn(ctx, artifact.digest),
    ports: await portChecks(ctx, spec),
    // The size the server measured when it stored the upload, never the client's claim.
    disk: { free: await freeBytes(ctx.dataDir), needed: ((await ctx.artifacts.sizeOf(artifact.digest)) ?? 0) * 4 },
    now: new Date(),
  })];
}

/** The number the next revision of the spec's service will have. */
export function nextRevision(ctx: EngineContext, spec: ServiceSpec): number {
  return ctx.store.services.lastRevision(refOf(spec)) + 1;
}

/** Environments in which a deployment of this exact artifact succeeded (any service). */
export function succeededIn(ctx: EngineContext, digest: string): string[] {
  return ctx.store.deployments.succeededWith(digest);
}

/** The service port must be free or already this service's router; so must the preview port. */
async function portChecks(ctx: EngineContext, spec: ServiceSpec) {
  const ports = [{ port: spec.port, field: 'spec.port' }];
  if (spec.strategy.type === 'blueGreen' && spec.strategy.previewPort !== undefined) ports.push({ port: spec.strategy.previewPort, field: 'spec.strategy.blueGreen.previewPort' });
  const checks = [];
  for (const { port, field } of ports) {
    const owner = ctx.store.services.owningPort(port)[0];
    if (owner) checks.push({ field, port, ok: owner.name === spec.name && owner.environment === spec.environment, owner: describeRef(refOf(owner)) });
    else checks.push({ field, port, ok: await isPortFree(port) });
  }
  return checks;
}

async function freeBytes(dir: string): Promise<number> {
  const info = await statfs(dir);
  return info.bavail * info.bsize;
}
