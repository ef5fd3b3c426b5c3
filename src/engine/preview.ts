import type { Step } from '../core/types.ts';
import { refOf } from '../core/types.ts';
import { diffSpecs, imageArtifactOf, type ServiceSpec, type SpecChange } from '../spec/index.ts';
import { describeStep, planFor } from '../strategies/index.ts';
import { environmentChecks, environmentOf, nextRevision } from './admission.ts';
import type { EngineContext } from './context.ts';
import { assessSecurity, type ArtifactClaim } from './security-checks.ts';
import { supersededStable, supersedeRefusal } from './supersede.ts';

/** One rule of the environment (or of the service) an apply would meet, and whether it would pass now. */
export interface PlannedGate {
  gate: string;
  /**
   * true or false: it would pass or be refused now; null: not known before the
   * apply (an approver's decision, or a check of an artifact not uploaded yet).
   */
  passes: boolean | null;
  message: string;
}

/** One step the apply would run, with the split of traffic once it is done. */
export interface PlannedStep {
  index: number;
  step: Step;
  description: string;
  /** Percent of requests to the new revision and to the one serving now, after the step. */
  weights: { new: number; current: number };
}

/** What `cutover plan` shows: an apply of `spec`, without doing it. */
export interface ApplyPlan {
  service: string;
  environment: string;
  /** What runs now (null: a new service). */
  current: { revision: number; version: string; digest: string; instances: number } | null;
  /** The revision the apply would create, with its version and artifact. */
  next: { revision: number; version: string; digest: string; artifactChanged: boolean | null; artifactKnown: boolean };
  changes: SpecChange[];
  strategy: string;
  steps: PlannedStep[];
  gates: PlannedGate[];
  /** A deployment of the service that is in progress now, and whether an apply would supersede it (or be refused). */
  inProgress: { deployment: number; revision: number; phase: string; step: string | null; supersededByApply: boolean } | null;
  /** Whether an apply now would start (no gate known to refuse it); the gates whose `passes` is null are decided later. */
  wouldStart: boolean;
}

/**
 * Everything an apply of `spec` would do and meet, computed from the store
 * and the environment's rules as they are now, changing nothing: the spec
 * diff against the serving revision, the strategy's steps (the one
 * `planFor` the engine runs), the gates, and a deployment it would meet.
 */
export async function previewApply(ctx: EngineContext, spec: ServiceSpec, artifact: ArtifactClaim, author: string): Promise<ApplyPlan> {
  const ref = refOf(spec);
  const environment = environmentOf(ctx, spec);
  const service = ctx.store.services.get(ref);
  const live = service && service.deletedAt === null ? service : null;
  const active = live ? ctx.store.deployments.active(ref) : null;
  // An apply now supersedes the deployment in flight (unless refused) and starts from the revision its ending goes back to.
  const refusal = active ? supersedeRefusal(ctx, active, spec, {}) : null;
  const stableRevision = active && !refusal ? supersededStable(active) : (live?.stableRevision ?? null);
  const serving = stableRevision === null ? null : ctx.store.services.revision(ref, stableRevision);
  const replicas = serving ? ctx.store.instances.live(ref, serving.number).length : 0;
  const stable = serving && replicas > 0 ? { revision: serving.number, replicas } : null;
  const plan = planFor(spec, stable, { environment });
  // An image by digest is not stored here: its gates are judged from its digest.
  const known = imageArtifactOf(spec) !== undefined || (await ctx.artifacts.has(artifact.digest));

  const gates: PlannedGate[] = [];
  const lock = ctx.store.locks.get(ref);
  if (lock) gates.push({ gate: 'lock', passes: false, message: `locked by ${lock.holder} since ${new Date(lock.acquiredAt).toISOString()}: "${lock.message}"` });
  if (active) {
    gates.push({
      gate: 'deployment in progress',
      passes: refusal === null,
      message: refusal
        ? refusal.message
        : `deployment ${active.id} (revision ${active.revision}) is ${active.phase}: an apply now supersedes it (it ends as an abort does, traffic back to ${stableRevision === null ? 'no revision' : `revision ${stableRevision}`}), then starts from there`,
    });
  }
  for (const result of await environmentChecks(ctx, environment, spec, { digest: artifact.digest, size: artifact.size })) {
    // Windows are a gate of when, not of what: say so when there are none rather than listing "no deploy windows" as passed.
    if (result.check === 'deploy window' && environment.deployWindows.length === 0) continue;
    gates.push({ gate: result.check, passes: result.ok, message: result.message });
  }
  if (environment.approvalRequired) gates.push({ gate: 'approval', passes: null, message: `${environment.name} requires approval: nothing starts until an approver other than ${author} runs \`cutover approve\`` });
  if (known) {
    const security = await assessSecurity(ctx, environment, spec, nextRevision(ctx, spec), artifact, author, { dryRun: true });
    for (const check of security.checks) gates.push({ gate: check.check, passes: check.ok, message: check.message });
    const policies = security.policy.results.length;
    if (policies > 0 && security.policy.allowed) gates.push({ gate: 'policies', passes: true, message: `${policies} polic${policies === 1 ? 'y' : 'ies'} allow it` });
  } else {
    const unchecked = [
      ...(environment.signatureRequired ? ['the signature'] : []),
      ...(ctx.advisoryDb && environment.blockVulnerabilitiesAt !== 'none' ? ['the vulnerability scan'] : []),
      ...(ctx.policies.length ? ['the policies'] : []),
    ];
    if (unchecked.length) gates.push({ gate: 'artifact checks', passes: null, message: `${unchecked.join(', ')} of sha256:${artifact.digest.slice(0, 12)}… are checked when apply uploads it (the server does not have it yet)` });
  }

  return {
    service: ref.service,
    environment: ref.environment,
    current: serving ? { revision: serving.number, version: serving.version, digest: serving.digest, instances: replicas } : null,
    next: { revision: nextRevision(ctx, spec), version: spec.version, digest: artifact.digest, artifactChanged: serving ? serving.digest !== artifact.digest : null, artifactKnown: known },
    changes: diffSpecs(serving ? { ...serving.spec, port: live!.port, environment: ref.environment } : null, spec),
    strategy: stable === null ? `${spec.strategy.type} (first deployment: start, route, done)` : spec.strategy.type,
    steps: plannedSteps(plan, stable !== null),
    gates,
    inProgress: active ? { deployment: active.id, revision: active.revision, phase: active.phase, step: active.plan[active.stepIndex] ? describeStep(active.plan[active.stepIndex]!) : null, supersededByApply: refusal === null } : null,
    wouldStart: gates.every((gate) => gate.passes !== false),
  };
}

/** The steps with the split after each: the new revision's weight moves only on setWeight (and is all of it from a first deployment's). */
function plannedSteps(plan: Step[], hasCurrent: boolean): PlannedStep[] {
  let weight = 0;
  return plan.map((step, index) => {
    if (step.type === 'setWeight') weight = hasCurrent ? step.canary : 100;
    return { index, step, description: describeStep(step), weights: { new: weight, current: hasCurrent ? 100 - weight : 0 } };
  });
}
