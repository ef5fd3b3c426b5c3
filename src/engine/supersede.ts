/**
 * Supersede: an apply while a deployment of the same (service, environment)
 * is in flight cuts that one short instead of waiting for it (Argo Rollouts,
 * Flagger). The rules:
 *
 * - The newer apply passes every gate an apply passes (lock, artifact,
 *   windows, signature, scan, policies; approval is a step of its plan)
 *   before the running deployment is touched: a refused apply changes nothing.
 * - The running deployment ends through the runner's one idempotent ending
 *   (runner.ts `end`), as an abort does: traffic back to its stable revision,
 *   its new instances drained and stopped. Its phase is Superseded.
 * - The newer deployment is planned from that same stable revision and
 *   starts only once every earlier deployment of the service has ended, so
 *   the two never act on the same router or instances at once.
 * - The newer deployment and the ending of the older one are written in one
 *   transaction: a crash leaves either neither or both, and on restart the
 *   older one finishes ending and the newer one then starts.
 * - A deployment that already promoted its revision is finishing, not in
 *   flight: superseding it would take the promoted revision away again, so it
 *   is refused like `abort` refuses it.
 * - `--no-supersede` (the request's `supersede: false`) or `supersede: false`
 *   in either the newer spec or the running deployment's spec keeps the 409.
 */
import type { Deployment } from '../core/deployment.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { describeRef, pickRef } from '../core/types.ts';
import type { ServiceSpec } from '../spec/index.ts';
import { deploymentSpec, type EngineContext } from './context.ts';

/** What an apply asks about a deployment in flight. */
export interface SupersedeRequest {
  /** False: `cutover apply --no-supersede`. @default true */
  supersede?: boolean;
}

/** Whether the deployment promoted its revision already (its remaining steps only finish it). */
function promoted(d: Deployment): boolean {
  return d.stableRevision === d.revision && d.previousRevision !== null && !d.ending;
}

/**
 * Why `active` may not be superseded by an apply of `spec`, as the 409 to
 * answer; null when it may. Names the running deployment and what to do.
 */
export function supersedeRefusal(ctx: EngineContext, active: Deployment, spec: ServiceSpec, request: SupersedeRequest): CutoverError | null {
  const ref = pickRef(active);
  const how = `\`cutover promote ${ref.service} --env ${ref.environment}\` or \`cutover abort ${ref.service} --env ${ref.environment}\``;
  const running = `deployment ${active.id} of ${describeRef(ref)} (revision ${active.revision}, version ${active.version}, by ${active.author}) is ${active.phase}`;
  const context = { ...ref, deployment: active.id, revision: active.revision };
  const refuse = (why: string, next: string) => new CutoverError(ErrorCode.Conflict, `${running}; ${why}, so this apply does not supersede it: ${next}`, { context });
  if (request.supersede === false) return refuse('--no-supersede was given', `wait for it or ${how} first, or apply without --no-supersede to replace it`);
  if (spec.supersede === false) return refuse('the applied spec says supersede: false', `wait for it or ${how} first`);
  if (deploymentSpec(ctx, active).supersede === false) return refuse(`revision ${active.revision}'s spec says supersede: false`, `wait for it or ${how} first`);
  if (promoted(active)) {
    return refuse(
      `it already promoted revision ${active.revision}, which serves, and is finishing (step ${Math.min(active.stepIndex + 1, active.plan.length)}/${active.plan.length})`,
      `wait for it to end (\`cutover status ${ref.service} --env ${ref.environment}\`), then apply again`,
    );
  }
  return null;
}

/**
 * The revision a deployment superseding `active` starts from: the one
 * `active`'s ending sends all traffic back to (runner.ts `end`).
 */
export function supersededStable(active: Deployment): number | null {
  return active.previousRevision;
}

/** Earlier deployments of the same service that have not ended yet: a superseding deployment waits for them. */
export function earlierUnfinished(ctx: EngineContext, d: Deployment): Deployment[] {
  return ctx.store.deployments.unfinished().filter((other) => other.id < d.id && other.service === d.service && other.environment === d.environment);
}
