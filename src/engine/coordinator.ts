import type { Deployment, DeploymentEvent } from '../core/deployment.ts';
import { newDeployment } from '../core/deployment.ts';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import { describeRef, pickRef, refOf, serviceKey, type ServiceRef } from '../core/types.ts';
import { imageArtifactOf, validateSpec, type ServiceSpec, type StrategySpec } from '../spec/index.ts';
import { fullPromotionSteps, planFor, planHash, skippedByFullPromotion } from '../strategies/index.ts';
import type { ArtifactClaim } from './security-checks.ts';
import { admit } from './admission.ts';
import type { RevisionRecord } from '../store/index.ts';
import { revisionDir, type EngineContext } from './context.ts';
import { removeUnusedFolder } from './folders.ts';
import { drainAndStop, ensureRevisionUnpacked } from './instances.ts';
import { adoptAll, superviseOnce } from './supervision.ts';
import { DeploymentRunner } from './runner.ts';
import { removeRouter, sweepRouters, syncRouter } from './routing.ts';
import { supersededStable, supersedeRefusal, type SupersedeRequest } from './supersede.ts';

/** How often the leader looks for work recorded by other replicas. */
const PICK_UP_EVERY_MS = 250;

/** A warm rollback: the target's instances are still running, so traffic switches at once. */
const INSTANT: StrategySpec = { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 0 };

/**
 * The deployment coordinator: the one entry point for everything that
 * changes a service. It records intent in the store, then lets a runner
 * carry it out; on start it adopts what a previous server left running.
 */
export class Coordinator {
  private readonly runners = new Map<number, DeploymentRunner>();
  private supervisor: NodeJS.Timeout | null = null;
  private supervising = false;
  /** Services whose delete is under way: they keep their router until the delete itself stops it. */
  private readonly deleting = new Set<string>();
  /**
   * Whether this server executes deployments: from start() to stop(). A
   * replica that follows (src/server/leadership/) records what it is asked
   * and leaves it to the leader, which picks it up from the store.
   */
  private executing = false;
  private pickingUp: NodeJS.Timeout | null = null;
  /** The last event the leader has looked at for work recorded by other replicas. */
  private seen = 0;

  constructor(private readonly ctx: EngineContext) {}

  async start(): Promise<void> {
    this.executing = true;
    this.seen = this.ctx.store.deployments.lastSeq();
    await adoptAll(this.ctx);
    if (!this.executing) return; // stopped (leadership lost) while adopting
    for (const d of this.ctx.store.deployments.unfinished()) {
      this.ctx.log.info({ ...pickRef(d), deployment: d.id, step: d.stepIndex }, 'resuming deployment');
      this.run(d.id);
    }
    this.supervisor = setInterval(() => void this.superviseTick(), 1000);
    if (this.ctx.fence) this.pickingUp = setInterval(() => this.pickUp(), PICK_UP_EVERY_MS);
  }

  /**
   * Work another replica recorded (apply, promote, abort… accepted by a
   * follower): what that replica's coordinator would have told a runner,
   * the leader tells its own, as a restarted server would find it. The
   * events this replica wrote come back here too; each reaction is
   * idempotent (a runner runs once, waking or interrupting twice is
   * harmless), so they need not be told apart.
   */
  private pickUp(): void {
    if (!this.executing) return;
    try {
      for (let batch = this.ctx.store.deployments.eventsAfter(this.seen); batch.length && this.executing; batch = this.ctx.store.deployments.eventsAfter(this.seen)) {
        for (const event of batch) {
          this.seen = event.seq;
          if (event.deployment === null) continue;
          const data = event.data as DeploymentEvent;
          const runner = this.runners.get(event.deployment);
          switch (data.type) {
            case 'DeploymentCreated':
              this.run(event.deployment);
              break;
            case 'EndRequested':
              this.endNow(event.deployment);
              break;
            case 'Approved':
            case 'PromoteRequested':
            case 'Resumed':
              runner?.wake();
              break;
            case 'FullPromotionRequested':
              runner?.replanned(data.restartStep);
              break;
            default:
              break;
          }
        }
      }
    } catch (error) {
      this.ctx.log.warn({ err: messageOf(error) }, 'could not read the work other replicas recorded; reading again');
    }
  }

  private async superviseTick(): Promise<void> {
    if (this.supervising) return;
    this.supervising = true;
    try {
      await superviseOnce(this.ctx);
    } catch (error) {
      this.ctx.log.error({ err: messageOf(error) }, 'supervision failed');
    } finally {
      this.supervising = false;
    }
  }

  /** Stops executing (deployments stay where they are, instances and routers keep running). */
  async stop(): Promise<void> {
    this.executing = false;
    if (this.supervisor) clearInterval(this.supervisor);
    if (this.pickingUp) clearInterval(this.pickingUp);
    this.supervisor = null;
    this.pickingUp = null;
    await Promise.all([...this.runners.values()].map((runner) => runner.shutdown()));
  }

  private run(id: number): void {
    // A follower only records; the leader's pickUp starts the runner.
    if (!this.executing || this.runners.has(id)) return;
    const runner = new DeploymentRunner(this.ctx, id);
    this.runners.set(id, runner);
    void runner.done.finally(() => this.runners.delete(id));
  }

  /** Waits until a deployment's runner has nothing more to do (tests, demo). */
  async settled(id: number): Promise<void> {
    await this.runners.get(id)?.done;
  }

  private requireService(ref: ServiceRef) {
    const service = this.ctx.store.services.get(ref);
    if (!service || service.deletedAt !== null) {
      const elsewhere = this.ctx.store.services.named(ref.service).map((s) => s.environment);
      const hint = elsewhere.length ? `; it exists in ${elsewhere.join(', ')} (pass --env)` : '; `cutover apply -f SPEC` creates it';
      throw new CutoverError(ErrorCode.NotFound, `no service named "${ref.service}" in environment ${ref.environment}${hint}`, { context: { ...pickRef(ref) } });
    }
    return service;
  }

  private requireActive(ref: ServiceRef): Deployment {
    this.requireService(ref);
    const active = this.ctx.store.deployments.active(ref);
    if (!active) throw new CutoverError(ErrorCode.Conflict, `service ${describeRef(ref)} has no deployment in progress`, { context: { ...pickRef(ref) } });
    return active;
  }

  /** Refuses to deploy a locked service, saying who holds the lock, why and since when. */
  private checkLock(ref: ServiceRef): void {
    const lock = this.ctx.store.locks.get(ref);
    if (lock) {
      throw new CutoverError(
        ErrorCode.Locked,
        `service ${describeRef(ref)} is locked by ${lock.holder} since ${new Date(lock.acquiredAt).toISOString()}: "${lock.message}"; wait, or \`cutover lock release ${ref.service} --env ${ref.environment}\` when it is safe`,
        { context: { ...pickRef(ref), holder: lock.holder } },
      );
    }
  }

  /**
   * Starts deploying a new revision of a service: (spec.name, spec.environment),
   * never the same name in another environment. A deployment in flight is
   * superseded (supersede.ts) unless the request or a spec says not to.
   */
  async apply(spec: ServiceSpec, document: unknown, artifact: ArtifactClaim, author: string, request: SupersedeRequest = {}): Promise<Deployment> {
    const { digest } = artifact;
    const ref = refOf(spec);
    this.checkLock(ref);
    const active = this.ctx.store.deployments.active(ref);
    const refusal = active ? supersedeRefusal(this.ctx, active, spec, request) : null;
    if (refusal) throw refusal;
    if (!(await artifactStored(this.ctx, spec, digest))) {
      throw new CutoverError(ErrorCode.ArtifactMissing, `artifact sha256:${digest} was not uploaded; upload it to /v1/artifacts first`, { context: { digest } });
    }
    await admit(this.ctx, spec, artifact, author);
    const service = this.ctx.store.services.upsert(spec);
    const revision = this.ctx.store.services.addRevision(ref, { version: spec.version, digest, spec, document, createdAt: Date.now() });
    await ensureRevisionUnpacked(this.ctx, revision);
    // Looked at again: the deployment in flight may have moved on (or ended) while the gates ran.
    const inFlight = this.ctx.store.deployments.active(ref);
    if (!inFlight) return this.begin(revision, service.stableRevision, 'apply', author);
    const lateRefusal = supersedeRefusal(this.ctx, inFlight, spec, request);
    if (lateRefusal) throw lateRefusal;
    return this.begin(revision, supersededStable(inFlight), 'apply', author, undefined, undefined, inFlight);
  }

  private begin(
    revision: RevisionRecord,
    stableRevision: number | null,
    kind: 'apply' | 'rollback' | 'retry',
    author: string,
    strategy?: StrategySpec,
    rollback: { approval: boolean; forced: boolean } = { approval: false, forced: false },
    superseded?: Deployment,
  ): Deployment {
    const stableReplicas = stableRevision === null ? 0 : this.ctx.store.instances.live(revision, stableRevision).length;
    const stable = stableRevision === null || stableReplicas === 0 ? null : { revision: stableRevision, replicas: stableReplicas };
    const environment = this.ctx.environments[revision.environment];
    const plan = planFor(revision.spec, stable, {
      ...(strategy ? { strategy } : {}),
      rollback: kind === 'rollback',
      ...(environment ? { environment } : {}),
      ...(kind === 'rollback' ? { approval: rollback.approval } : {}),
    });
    const now = Date.now();
    const service = this.ctx.store.services.get(revision)!;
    const starting = `${kind === 'retry' ? 'retrying' : 'deploying'} revision ${revision.number}`;
    const start = () => this.ctx.store.deployments.create(
      newDeployment({
        service: revision.service,
        environment: revision.environment,
        kind,
        revision: revision.number,
        version: revision.version,
        previousRevision: stable?.revision ?? null,
        stableRevision: stable?.revision ?? null,
        strategy: (strategy ?? revision.spec.strategy).type,
        plan,
        planHash: planHash(plan),
        weights: service.traffic.weights,
        message:
          kind === 'rollback'
            ? `${rollback.forced ? `FORCED by ${author}, checks skipped: ` : ''}rolling back to revision ${revision.number}`
            : superseded
              ? `${starting} once deployment ${superseded.id} (revision ${superseded.revision}), which it supersedes, has sent traffic back to ${stable ? `revision ${stable.revision}` : 'no revision'}`
              : starting,
        author,
        at: now,
        ...(superseded ? { supersedes: superseded.id } : {}),
      }),
    );
    if (!superseded) {
      const deployment = start();
      this.ctx.log.info({ ...pickRef(revision), deployment: deployment.id, revision: revision.number, kind }, 'deployment created');
      this.run(deployment.id);
      return deployment;
    }
    // One transaction: a crash leaves both the newer deployment and the older one's ending, or neither.
    const deployment = this.ctx.store.db.transaction(() => {
      const created = start();
      if (!this.ctx.store.deployments.get(superseded.id)?.ending) {
        this.ctx.store.deployments.append(superseded.id, {
          type: 'EndRequested',
          phase: 'Superseded',
          reason: `superseded by deployment ${created.id} (revision ${revision.number}, version ${revision.version}) of ${author}`,
          by: author,
          supersededBy: created.id,
        });
      }
      return created;
    });
    this.ctx.log.info({ ...pickRef(revision), deployment: deployment.id, revision: revision.number, kind, supersedes: superseded.id }, 'deployment created; it supersedes the one in flight');
    this.endNow(superseded.id);
    this.run(deployment.id);
    return deployment;
  }

  /** An ending was recorded: its runner starts it now (or a runner is started for it, when none runs). */
  private endNow(id: number): void {
    const runner = this.runners.get(id);
    if (runner) runner.interrupt();
    else this.run(id);
  }

  /** An approver (not the author) lets a deployment waiting for approval go on. */
  approve(id: number, by: string): Deployment {
    const d = this.awaitingApproval(id);
    if (d.author === by) throw new CutoverError(ErrorCode.Forbidden, `user ${by} wrote deployment ${id}, so cannot approve it; another approver must`, { context: { deployment: id } });
    const next = this.ctx.store.deployments.append(id, { type: 'Approved', by });
    this.runners.get(id)?.wake();
    return next;
  }

  /** An approver refuses a deployment waiting for approval: it ends Aborted, nothing having started. */
  reject(id: number, by: string, reason: string): Deployment {
    const d = this.awaitingApproval(id);
    const next = this.ctx.store.deployments.append(id, { type: 'EndRequested', phase: 'Aborted', reason: `rejected by ${by}${reason ? `: ${reason}` : ''}`, by });
    this.runners.get(d.id)?.interrupt();
    return next;
  }

  private awaitingApproval(id: number): Deployment {
    const d = this.ctx.store.deployments.get(id);
    if (!d) throw new CutoverError(ErrorCode.NotFound, `no deployment ${id}; \`cutover status SERVICE --env ENV\` shows the current one`, { context: { deployment: id } });
    if (d.phase !== 'AwaitingApproval') throw new CutoverError(ErrorCode.Conflict, `deployment ${id} of ${describeRef(d)} is ${d.phase}, not waiting for approval`, { context: { deployment: id } });
    return d;
  }

  /** Continues a paused deployment (a `pause: {}` step, or skips a timed pause). */
  promote(ref: ServiceRef, by: string): Deployment {
    const active = this.requireActive(ref);
    const name = describeRef(ref);
    if (active.ending) throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${name} is already ending; nothing to promote`, { context: { ...pickRef(ref) } });
    const step = active.plan[active.stepIndex];
    if (step?.type !== 'pause' && active.hold === null) {
      throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${name} is not paused (it is at step ${active.stepIndex + 1}/${active.plan.length}); promote continues a paused deployment`, { context: { ...pickRef(ref) } });
    }
    const next = this.ctx.store.deployments.append(active.id, { type: 'PromoteRequested', by });
    this.runners.get(active.id)?.wake();
    // A background analysis that was inconclusive is over; promotion is the person's decision to go on.
    return next;
  }

  /**
   * Pauses the deployment in progress at its current step (Argo Rollouts'
   * pause): the step runs to its end, then nothing moves until `promote`
   * resumes it or `abort` ends it. Recorded as an event, so a restarted
   * server keeps it paused. Pausing a paused deployment changes nothing.
   */
  pause(ref: ServiceRef, by: string): Deployment {
    const active = this.requireActive(ref);
    if (active.ending) throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${describeRef(ref)} is already ending (${active.ending.phase}); there is nothing to pause`, { context: { ...pickRef(ref) } });
    if (active.hold !== null) return active;
    return this.ctx.store.deployments.append(active.id, { type: 'PauseRequested', by });
  }

  /**
   * Resumes or continues: a deployment a person paused goes on from its
   * current step; one waiting at a `pause` step or held by an inconclusive
   * analysis moves past it (what promote has always done).
   */
  resumeOrPromote(ref: ServiceRef, by: string): Deployment {
    const active = this.requireActive(ref);
    const step = active.plan[active.stepIndex];
    if (active.pausedBy && !active.ending && !(active.stepStartedAt !== null && step?.type === 'pause')) {
      const next = this.ctx.store.deployments.append(active.id, { type: 'Resumed', by });
      this.runners.get(active.id)?.wake();
      return next;
    }
    return this.promote(ref, by);
  }

  /**
   * Promotes the deployment in progress to the end (Argo Rollouts' `promote
   * --full`): the rest of its plan becomes the shortest way to 100% with no
   * pause and no analysis (src/strategies/full-promotion.ts), a step in
   * progress that is skipped is stopped, the background analysis ends. An
   * approval still needs its approver.
   */
  promoteFull(ref: ServiceRef, by: string): Deployment {
    const active = this.requireActive(ref);
    const name = describeRef(ref);
    if (active.ending) throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${name} is already ending; nothing to promote`, { context: { ...pickRef(ref) } });
    if (active.phase === 'AwaitingApproval' || (active.plan[active.stepIndex]?.type === 'approval' && !active.approvedBy)) {
      throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${name} waits for approval; \`promote --full\` skips pauses and analyses, not approvals: an approver runs \`cutover approve ${active.id}\` first`, { context: { ...pickRef(ref), deployment: active.id } });
    }
    const current = active.plan[active.stepIndex];
    const inProgress = active.stepStartedAt !== null && current !== undefined;
    const restartStep = inProgress && skippedByFullPromotion(current);
    const kept = inProgress && !restartStep ? [current] : [];
    const plan = [...active.plan.slice(0, active.stepIndex), ...kept, ...fullPromotionSteps(active.plan.slice(active.stepIndex + kept.length))];
    const next = this.ctx.store.deployments.append(active.id, { type: 'FullPromotionRequested', by, plan, planHash: planHash(plan), restartStep });
    this.runners.get(active.id)?.replanned(restartStep);
    return next;
  }

  /**
   * Deploys again the revision of the latest deployment when it ended
   * aborted, rolled back or failed (Argo Rollouts' `retry`): the same
   * artifact and spec, as a new deployment through everything an apply goes
   * through (lock, the environment's checks, signature, scan, policies,
   * approval).
   */
  async retry(ref: ServiceRef, by: string): Promise<Deployment> {
    const service = this.requireService(ref);
    const name = describeRef(ref);
    const how = `${ref.service} --env ${ref.environment}`;
    this.checkLock(ref);
    const active = this.ctx.store.deployments.active(ref);
    if (active) throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${name} is still ${active.phase}; there is nothing to retry until it ends`, { context: { ...pickRef(ref), deployment: active.id } });
    const latest = this.ctx.store.deployments.latest(ref);
    if (!latest || latest.phase === 'Succeeded' || latest.kind === 'restart') {
      throw new CutoverError(ErrorCode.Conflict, `the latest deployment of ${name}${latest ? ` (${latest.id}, ${latest.kind}) ${latest.phase === 'Succeeded' ? 'succeeded' : 'is a restart'}` : ' does not exist'}; retry deploys again a revision whose deployment was aborted, rolled back or failed (see \`cutover history ${how}\`)`, {
        context: { ...pickRef(ref) },
      });
    }
    const revision = this.ctx.store.services.revision(ref, latest.revision);
    if (!revision) throw new CutoverError(ErrorCode.NotFound, `service ${name} has no revision ${latest.revision} any more; apply its spec again`, { context: { ...pickRef(ref), revision: latest.revision } });
    if (!(await artifactStored(this.ctx, revision.spec, revision.digest))) {
      throw new CutoverError(ErrorCode.ArtifactMissing, `the artifact of revision ${revision.number} (sha256:${revision.digest.slice(0, 12)}…) is gone from the store; apply its spec again instead`, { context: { ...pickRef(ref), revision: revision.number } });
    }
    // The service's current port and environment, as a rollback does; everything else is the revision's own.
    const spec = { ...revision.spec, port: service.port, environment: ref.environment };
    const signature = this.ctx.store.signatures.get(revision.digest, ref.environment);
    await admit(this.ctx, spec, { digest: revision.digest, size: 0, ...(signature !== undefined ? { signature } : {}) }, by);
    await ensureRevisionUnpacked(this.ctx, revision);
    this.ctx.store.services.upsert(spec);
    return this.begin(revision, service.stableRevision, 'retry', by);
  }

  /**
   * A rolling restart of the serving revision (Argo Rollouts' `restart`):
   * a deployment of kind `restart` whose one step replaces each instance
   * in turn, keeping capacity (src/engine/restart.ts). A locked service, or
   * one with a deployment in progress, is not restarted.
   */
  restart(ref: ServiceRef, by: string): Deployment {
    const service = this.requireService(ref);
    const name = describeRef(ref);
    this.checkLock(ref);
    const active = this.ctx.store.deployments.active(ref);
    if (active) throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${name} is ${active.phase}; restart when it has ended, or \`cutover abort ${ref.service} --env ${ref.environment}\``, { context: { ...pickRef(ref), deployment: active.id } });
    const stable = service.stableRevision;
    const revision = stable === null ? null : this.ctx.store.services.revision(ref, stable);
    if (!revision || this.ctx.store.instances.live(ref, revision.number).length === 0) {
      throw new CutoverError(ErrorCode.Conflict, `service ${name} has no serving instances to restart; \`cutover apply -f SPEC\` starts it`, { context: { ...pickRef(ref) } });
    }
    const plan = [{ type: 'restart' as const }];
    const deployment = this.ctx.store.deployments.create(
      newDeployment({
        service: ref.service,
        environment: ref.environment,
        kind: 'restart',
        revision: revision.number,
        version: revision.version,
        previousRevision: revision.number,
        stableRevision: revision.number,
        strategy: 'restart',
        plan,
        planHash: planHash(plan),
        weights: service.traffic.weights,
        message: `restarting the instances of revision ${revision.number} one at a time`,
        author: by,
        at: Date.now(),
      }),
    );
    this.ctx.log.info({ ...pickRef(ref), deployment: deployment.id, revision: revision.number, kind: 'restart' }, 'deployment created');
    this.run(deployment.id);
    return deployment;
  }

  /** Stops a deployment in progress: traffic back to the stable revision, new instances stopped. */
  abort(ref: ServiceRef, by: string): Deployment {
    const active = this.requireActive(ref);
    if (active.ending) return active;
    // A restart serves its own revision throughout: aborting it only stops replacing instances.
    if (active.kind !== 'restart' && active.stableRevision === active.revision && active.previousRevision !== null) {
      throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${describeRef(ref)} was already promoted; use \`cutover rollback ${ref.service} --env ${ref.environment}\` to go back`, { context: { ...pickRef(ref) } });
    }
    const next = this.ctx.store.deployments.append(active.id, { type: 'EndRequested', phase: 'Aborted', reason: `aborted by ${by}`, by });
    this.runners.get(active.id)?.interrupt();
    return next;
  }

  /**
   * Deploys an earlier revision: an instant switch when its instances are
   * still warm, else through the spec's strategy. Only a revision that
   * succeeded in the service's environment, and only past the environment's
   * checks (windows, signature, scan, policies), with an approver's consent
   * when the environment requires approval and the revision was never
   * approved there. `force` (admin only, audited) skips all of that.
   */
  async rollback(ref: ServiceRef, toRevision: number | undefined, by: string, options: { force?: boolean } = {}): Promise<Deployment> {
    const service = this.requireService(ref);
    const name = describeRef(ref);
    const how = `--env ${ref.environment}`;
    const context = pickRef(ref);
    this.checkLock(ref);
    const active = this.ctx.store.deployments.active(ref);
    if (active) {
      throw new CutoverError(ErrorCode.Conflict, `deployment ${active.id} of ${name} is in progress; \`cutover abort ${ref.service} ${how}\` rolls it back`, { context: { ...context } });
    }
    const current = service.stableRevision;
    const here = service.environment;
    const history = this.ctx.store.deployments.list(ref).filter((d) => d.environment === here);
    const succeeded = [...new Set(history.filter((d) => d.phase === 'Succeeded').map((d) => d.revision))];
    let target: number | undefined = toRevision;
    if (target === undefined) {
      target = succeeded.filter((revision) => revision !== current).at(-1);
      if (target === undefined) {
        throw new CutoverError(ErrorCode.NothingToRollBack, `service ${name} has no earlier successful revision to roll back to (it serves revision ${current ?? 'none'}); see \`cutover history ${ref.service} ${how}\``, { context: { ...context } });
      }
    }
    if (target === current) {
      throw new CutoverError(ErrorCode.NothingToRollBack, `revision ${target} of ${name} is already the one serving; pick another with --to-revision (see \`cutover history ${ref.service} ${how}\`)`, { context: { ...context, revision: target } });
    }
    const revision = this.ctx.store.services.revision(ref, target);
    if (!revision) {
      throw new CutoverError(ErrorCode.NotFound, `service ${name} has no revision ${target}; see \`cutover history ${ref.service} ${how}\``, { context: { ...context, revision: target } });
    }
    if (!options.force && !succeeded.includes(target)) {
      const others = succeeded.filter((n) => n !== current);
      throw new CutoverError(
        ErrorCode.NothingToRollBack,
        `revision ${target} of ${ref.service} never succeeded in ${here}, so it cannot be rolled back to${others.length ? ` (revisions that did: ${others.join(', ')})` : ''}; deploy it with \`cutover apply\` to go through ${here}'s checks, or in an emergency an admin can run \`cutover rollback ${ref.service} ${how} --to-revision ${target} --force\` (audited)`,
        { context: { ...context, revision: target } },
      );
    }
    if (!(await artifactStored(this.ctx, revision.spec, revision.digest))) {
      throw new CutoverError(ErrorCode.ArtifactMissing, `the artifact of revision ${target} (sha256:${revision.digest.slice(0, 12)}…) is gone from the store, so it cannot be rolled back to; apply its spec again instead`, { context: { ...context, revision: target } });
    }
    // The rollback runs with the target's own spec but on the service's current port (and in its environment, whatever a migrated revision says).
    const spec = { ...revision.spec, port: service.port, environment: ref.environment };
    let approval = false;
    if (options.force) {
      this.ctx.log.warn({ ...context, revision: target, by }, 'FORCED rollback: the environment checks and approval are skipped');
    } else {
      await admit(this.ctx, spec, { digest: revision.digest, size: 0 }, by);
      const approvedHere = history.some((d) => d.revision === target && !!d.approvedBy);
      approval = (this.ctx.environments[here]?.approvalRequired ?? false) && !approvedHere;
    }
    await ensureRevisionUnpacked(this.ctx, revision);
    const warm = this.ctx.store.instances.live(ref, target).filter((i) => i.state === 'ready').length >= revision.spec.instances;
    this.ctx.store.services.upsert(spec);
    return this.begin(revision, current, 'rollback', by, warm ? INSTANT : undefined, { approval, forced: options.force ?? false });
  }

  /**
   * Deploys exactly the artifact (same digest, with the signature it passed
   * with) that last succeeded for (name, from) to (target ?? name, to). The
   * source keeps running: promotion copies a version forward, it never moves
   * a service. The target keeps its own spec when it has one; otherwise it
   * takes the source revision's spec with the environment's overrides.
   */
  async promoteEnvironment(name: string, from: string, to: string, target: string | undefined, by: string, request: SupersedeRequest = {}): Promise<Deployment> {
    const source = { service: name, environment: from };
    this.requireService(source);
    if (!this.ctx.environments[to]) throw new CutoverError(ErrorCode.NotFound, `no environment named "${to}"; known: ${Object.keys(this.ctx.environments).join(', ')}`);
    if (from === to && (target ?? name) === name) throw new CutoverError(ErrorCode.InvalidRequest, `promote-env needs two different stages; --from and --to are both ${from}`);
    const succeeded = this.ctx.store.deployments
      .list(source)
      .filter((d) => d.phase === 'Succeeded')
      .at(-1);
    if (!succeeded) {
      throw new CutoverError(ErrorCode.Conflict, `service ${describeRef(source)} has no successful deployment to promote; deploy it there first (spec.environment: ${from})`, { context: { ...source } });
    }
    const revision = this.ctx.store.services.revision(source, succeeded.revision)!;
    const targetRef = { service: target ?? name, environment: to };
    const base = this.ctx.store.services.get(targetRef)?.spec ?? specForStage(revision, to);
    // What is promoted is the revision's artifact (files or an image by digest), whatever the target's own spec names.
    const spec = { ...base, name: targetRef.service, environment: to, version: revision.version, artifact: revision.spec.artifact };
    const document = structuredClone(revision.document) as { metadata?: { name?: string }; spec?: Record<string, unknown> };
    if (document.metadata) document.metadata.name = targetRef.service;
    if (document.spec) document.spec.environment = to;
    // The target's own record first (it may have accepted this artifact before), else the one the source accepted; either is verified against the target's keys.
    const signature = this.ctx.store.signatures.get(revision.digest, to) ?? this.ctx.store.signatures.get(revision.digest, from);
    const promotedFrom = { service: name, environment: from, revision: revision.number, digest: revision.digest };
    return this.apply(spec, { ...document, promotedFrom }, { digest: revision.digest, size: 0, ...(signature !== undefined ? { signature } : {}) }, by, request);
  }

  /**
   * Drains and stops every instance and the router of a service; its history
   * is kept. Then sweeps routers no service owns (a concurrent delete's push
   * that raced, a crash's leftovers), as orphan instances are swept at start.
   */
  async delete(ref: ServiceRef, by: string): Promise<void> {
    // Stopping instances and the router is the leader's: refused here, up front, rather than half done.
    this.ctx.fence?.check(`delete service ${describeRef(ref)} (send the delete to the leader)`);
    const key = serviceKey(ref);
    this.deleting.add(key);
    try {
      await this.deleteService(ref, by);
    } finally {
      this.deleting.delete(key);
    }
    await sweepRouters(this.ctx, this.deleting).catch((error: unknown) => this.ctx.log.warn({ err: messageOf(error) }, 'could not sweep routers after a delete'));
  }

  private async deleteService(ref: ServiceRef, by: string): Promise<void> {
    const service = this.requireService(ref);
    const log = pickRef(ref);
    const active = this.ctx.store.deployments.active(ref);
    if (active) {
      const runner = this.runners.get(active.id);
      await runner?.shutdown();
      this.runners.delete(active.id);
      if (!active.ending) this.ctx.store.deployments.append(active.id, { type: 'EndRequested', phase: 'Aborted', reason: `service deleted by ${by}`, by });
      this.ctx.store.deployments.append(active.id, { type: 'Finished', phase: 'Aborted', message: `aborted: service deleted by ${by}` });
    }
    this.ctx.store.services.setTraffic(ref, { weights: {} });
    const live = this.ctx.store.instances.live(ref);
    // Out of rotation all at once, then drained: users get the router's clear 503 rather than a reset.
    for (const instance of live) this.ctx.store.instances.update(instance.id, { inRotation: false });
    // Not fatal: the router is removed below anyway; until then it may serve the old split.
    await syncRouter(this.ctx, ref).catch((error: unknown) => this.ctx.log.warn({ ...log, err: messageOf(error) }, 'could not take the instances out of rotation before deleting the service'));
    // Marked deleted before draining: from here on supervision and healing leave the service alone
    // (they would restart its router or its instances behind this delete), and no config is pushed to its router.
    this.ctx.store.services.markDeleted(ref);
    await Promise.all(live.map((instance) => drainAndStop(this.ctx, instance, service.spec.drainTimeoutMs)));
    // A replacement self-healing started as this delete began (recorded after `live` was read) is stopped here too, not
    // left for healing to stop once it sees the delete: that came after the delete returned once routers stopped faster.
    const started = this.ctx.store.instances.live(ref).filter((instance) => !live.some((known) => known.id === instance.id));
    await Promise.all(started.map((instance) => drainAndStop(this.ctx, instance, 0)));
    // After any push under way: a retried push never starts the router again behind the delete.
    await removeRouter(this.ctx, ref);
    this.ctx.store.services.setStableRevision(ref, null);
    for (const revision of this.ctx.store.services.revisions(ref)) await removeUnusedFolder(this.ctx, revisionDir(this.ctx, ref, revision.number), () => false);
    this.ctx.store.deployments.note(ref, 'ServiceDeleted', { by });
    this.ctx.log.info({ ...log, by }, 'service deleted');
  }
}

/**
 * The spec a revision's document gives in another environment (that
 * environment's overrides applied): what promote-env deploys into a stage
 * the service is not in yet. Sealed secrets are carried over from the
 * revision; one only the new stage names was never sealed, so it cannot be.
 */
function specForStage(revision: RevisionRecord, environment: string): ServiceSpec {
  // A revision promoted here records where from (promotedFrom, beside the spec); the next stage's spec is the spec alone.
  const { promotedFrom: _promotedFrom, ...document } = revision.document as { spec?: Record<string, unknown>; promotedFrom?: unknown };
  const { spec } = validateSpec({ ...document, spec: { ...document.spec, environment } });
  const secretEnv: Record<string, string> = {};
  for (const name of Object.keys(spec.run.secretEnv ?? {})) {
    const sealed = revision.spec.run.secretEnv?.[name];
    if (!sealed) {
      throw new CutoverError(ErrorCode.InvalidRequest, `secret ${name} is set only for ${environment} (spec.environments.${environment}.run.env.${name}), so it was never sealed; deploy the spec there once with \`cutover apply -f SPEC --env ${environment}\``, {
        context: { ...pickRef(revision), environment },
      });
    }
    secretEnv[name] = sealed;
  }
  const { secretEnv: _unsealed, ...run } = spec.run;
  return { ...spec, run: { ...run, ...(Object.keys(secretEnv).length ? { secretEnv } : {}) } };
}

/**
 * Whether a deployment's artifact is at hand: an uploaded archive in the
 * store, or (for an image by digest, `artifact.image`) nothing to store:
 * the engine that runs it has it or says so when an instance starts.
 */
async function artifactStored(ctx: EngineContext, spec: Pick<ServiceSpec, 'artifact'>, digest: string): Promise<boolean> {
  return imageArtifactOf(spec) !== undefined || (await ctx.artifacts.has(digest));
}
