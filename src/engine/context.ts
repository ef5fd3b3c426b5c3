import { join } from 'node:path';
import type { Deployment } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { ServiceRef } from '../core/types.ts';
import type { ServiceSpec } from '../spec/types.ts';
import type { Environment } from '../environments/types.ts';
import type { CompiledPolicy } from '../supply-chain/policy/index.ts';
import type { SecretBox } from './secrets.ts';
import type { Fence } from './fence.ts';
import type { Logger } from '../monitoring/logger.ts';
import type { Platform, Sandbox } from '../platforms/index.ts';
import { outboundPolicy, type OutboundPolicy } from '../security/outbound/index.ts';
import type { Store } from '../store/index.ts';
import type { ArtifactStore } from '../supply-chain/artifacts.ts';
import type { TrafficRouter } from '../traffic/traffic-router.ts';

/** Everything the engine acts through, passed explicitly. */
export interface EngineContext {
  dataDir: string;
  store: Store;
  platform: Platform;
  traffic: TrafficRouter;
  artifacts: ArtifactStore;
  log: Logger;
  /** The environments' rules (predefined, with the config file's overrides). */
  environments: Record<string, Environment>;
  /** Deployment policies (CEL), the defaults included. */
  policies: CompiledPolicy[];
  /** A folder of OSV records artifacts are scanned against; null: artifacts are not scanned. */
  advisoryDb: string | null;
  /** Seals and opens the secret values of specs. */
  secrets: SecretBox;
  /** How deployer code (instances, command hooks, command providers) is isolated; where revisions are unpacked. */
  sandbox: Sandbox;
  /**
   * Asked before every side effect when the server runs as one of several
   * replicas (only the leader acts); absent, this server always may.
   */
  fence?: Fence;
}

/** Where a service's revisions are unpacked: one folder per (environment, service). */
export function revisionsDir(ctx: EngineContext, ref: ServiceRef): string {
  return join(ctx.sandbox.revisionsDir, ref.environment, ref.service);
}

export function revisionDir(ctx: EngineContext, ref: ServiceRef, revision: number): string {
  return join(revisionsDir(ctx, ref), String(revision));
}

/** Where a deployment in `environment` may call out (http/prometheus providers, http hooks): the environment's allow list. */
export function outboundFor(ctx: EngineContext, environment: string): OutboundPolicy {
  return outboundPolicy(environment, ctx.environments[environment]?.outbound.allow ?? []);
}

export function instanceLogPath(ctx: EngineContext, ref: ServiceRef, instanceId: string): string {
  return join(ctx.dataDir, 'logs', ref.environment, ref.service, `${instanceId}.log`);
}

/**
 * The spec a deployment runs with: its own revision's, stored with the
 * revision. Never the service's record, which follows whatever serves and is
 * rewritten by apply, rollback and the end of a deployment.
 */
export function deploymentSpec(ctx: EngineContext, d: Pick<Deployment, 'id' | 'service' | 'environment' | 'revision'>): ServiceSpec {
  const revision = ctx.store.services.revision(d, d.revision);
  if (!revision) {
    throw new CutoverError(ErrorCode.Internal, `deployment ${d.id} of ${d.service} has no revision ${d.revision} in the store; the database was changed by hand or is damaged`, {
      context: { service: d.service, revision: d.revision, deployment: d.id },
    });
  }
  return revision.spec;
}
