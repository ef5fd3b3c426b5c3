import type { ServiceSpec } from '../spec/types.ts';
import type { Environment } from './types.ts';
import { describeWindows, insideWindows } from './windows.ts';

/** One check of a deployment against its environment, before anything starts. */
export interface CheckResult {
  check: string;
  ok: boolean;
  message: string;
}

/** What the checks need to know beyond the spec; gathered by the engine. */
export interface DeploymentFacts {
  /** The artifact deployed (sha256 hex), and the environments in which it has succeeded. */
  digest?: string;
  succeededIn: string[];
  /** Whether the router port (and preview port) is free or already this service's. */
  ports: { field: string; port: number; ok: boolean; owner?: string }[];
  /** Bytes free on the data dir's disk, and what the artifact will need there. */
  disk: { free: number; needed: number };
  now: Date;
}

/**
 * The environment's rules applied to a deployment, every one of them, so a
 * user sees all that is wrong at once and nothing starts while any fails.
 */
export function checkDeployment(environment: Environment, spec: ServiceSpec, facts: DeploymentFacts): CheckResult[] {
  const results: CheckResult[] = [];
  const { min, max } = environment.instances;
  results.push({
    check: 'instances',
    ok: spec.instances >= min && spec.instances <= max,
    message: `spec.instances is ${spec.instances}; ${environment.name} allows ${min} to ${max}`,
  });
  results.push({
    check: 'strategy',
    ok: environment.strategies.includes(spec.strategy.type),
    message: `strategy ${spec.strategy.type}; ${environment.name} allows ${environment.strategies.join(', ')}`,
  });
  results.push({
    check: 'deploy window',
    ok: insideWindows(environment.deployWindows, facts.now),
    message: environment.deployWindows.length ? `${environment.name} deploys only ${describeWindows(environment.deployWindows)}; it is ${facts.now.toISOString()}` : 'no deploy windows',
  });
  if (environment.requiresSuccessIn) {
    results.push({
      check: 'promotion',
      ok: facts.succeededIn.includes(environment.requiresSuccessIn),
      message: `${environment.name} takes only an artifact that succeeded in ${environment.requiresSuccessIn} first; ${facts.digest ? `sha256:${facts.digest.slice(0, 12)}…` : 'this one'} ${facts.succeededIn.length ? `succeeded only in ${facts.succeededIn.join(', ')}` : 'has not succeeded anywhere yet'}, never in ${environment.requiresSuccessIn} (deploy it there, then \`cutover promote-env SERVICE --from ${environment.requiresSuccessIn} --to ${environment.name}\`)`,
    });
  }
  for (const port of facts.ports) {
    results.push({
      check: 'port',
      ok: port.ok,
      message: port.ok ? `${port.field} ${port.port} is free` : `${port.field} ${port.port} is ${port.owner ? `used by service ${port.owner}` : 'in use by another program'}; choose another port`,
    });
  }
  results.push({
    check: 'disk',
    ok: facts.disk.free >= facts.disk.needed,
    message: `${mb(facts.disk.needed)} needed for the artifact, ${mb(facts.disk.free)} free`,
  });
  return results;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
