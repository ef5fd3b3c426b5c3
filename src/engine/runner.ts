import { setTimeout as sleep } from 'node:timers/promises';
import type { Deployment, DeploymentEvent } from '../core/deployment.ts';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import { formatDuration } from '../core/duration.ts';
import { sleep as sleepLong } from '../core/sleep.ts';
import { hasProgressDeadline } from '../core/progress-deadline.ts';
import { describeStep } from '../strategies/index.ts';
import { deploymentSpec, type EngineContext } from './context.ts';
import { drainAndStop } from './instances.ts';
import { checkServing, setTraffic } from './routing.ts';
import { executeStep, type StepRuntime } from './steps.ts';
import { watchRevision } from './watchdog.ts';
import { cleanupQuietly, runRollbackHooks } from './cleanup.ts';
import { pickRef, type EndPhase } from '../core/types.ts';
import { earlierUnfinished } from './supersede.ts';
import { analyse, analysisFailure } from './analysis.ts';
import type { ServiceSpec } from '../spec/types.ts';
import { describeWaiting } from './progress.ts';

/** Why a step's signal was aborted. */
class Interrupted extends Error {
  constructor(readonly why: 'end-requested' | 'replanned' | 'shutdown') {
    super(why);
  }
}

/** How the message of an ended deployment begins. */
const ENDED: Record<Exclude<EndPhase, 'Succeeded'>, string> = { Aborted: 'aborted', RolledBack: 'rolled back', Failed: 'failed', Superseded: 'superseded' };

/** The parts of a deployment's spec its runner reads at every step: no secret among them. */
interface RunnerSettings extends Pick<ServiceSpec, 'healthCheck' | 'progressDeadlineMs' | 'drainTimeoutMs'> {
  /** A canary with an analysis that runs beside its steps. */
  backgroundAnalysis: boolean;
}

/** Transient failures (a router that did not answer) are retried this many times before they count. */
const TRANSIENT_RETRIES = 4;

/**
 * Executes one deployment's plan, one step at a time. Each step starts with
 * a persisted StepStarted and ends with a persisted StepCompleted; a step
 * interrupted by a crash runs again on restart and, being a reconciliation,
 * picks up where it was.
 */
export class DeploymentRunner {
  private step: AbortController | null = null;
  private wakers: (() => void)[] = [];
  private stopped = false;
  /** The canary's background analysis while it runs (from the first weight to promotion). */
  private background: { controller: AbortController; done: Promise<void> } | null = null;
  readonly done: Promise<void>;
  /** What the runner reads of its revision's spec at every step: read once (see settingsOf). */
  private settings: RunnerSettings | null = null;

  private readonly ctx: EngineContext;

  constructor(
    ctx: EngineContext,
    readonly id: number,
  ) {
    // Every line this deployment logs carries its service, environment and id; step lines add the step.
    const d = ctx.store.deployments.get(id);
    this.ctx = { ...ctx, log: ctx.log.child({ service: d?.service, environment: d?.environment, deployment: id }) };
    this.done = this.run()
      .catch((error: unknown) => {
        ctx.log.error({ deployment: id, err: messageOf(error) }, 'deployment runner crashed');
      })
      .finally(() => this.stopBackground());
  }

  private current(): Deployment {
    return this.ctx.store.deployments.get(this.id)!;
  }

  /**
   * The settings of the deployment's revision that the runner reads at every
   * step and loop, read once: a revision's spec is written when it is made,
   * and later only to re-seal its secret values to a new key, none of which
   * are here (the analysis and the hooks, which carry sealed headers, are
   * read whole where they are used). Each read was a round trip on
   * PostgreSQL, about a dozen per deployment.
   */
  private settingsOf(d: Deployment): RunnerSettings {
    if (!this.settings) {
      const { healthCheck, progressDeadlineMs, drainTimeoutMs, strategy } = deploymentSpec(this.ctx, d);
      this.settings = { healthCheck, progressDeadlineMs, drainTimeoutMs, backgroundAnalysis: strategy.type === 'canary' && strategy.analysis !== undefined };
    }
    return this.settings;
  }

  private record(event: DeploymentEvent): Deployment {
    // A deposed leader's runner records nothing: its successor writes this deployment's history now.
    this.ctx.fence?.check(`record ${event.type} for deployment ${this.id}`);
    return this.ctx.store.deployments.append(this.id, event);
  }

  /** Something changed (promote requested): wake a waiting step. */
  wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    wakers.forEach((wake) => wake());
  }

  /** A rollback or abort was recorded: interrupt the running step so the ending starts now. */
  interrupt(): void {
    this.step?.abort(new Interrupted('end-requested'));
    this.wake();
  }

  /**
   * The plan was replaced (`promote --full`): the background analysis stops,
   * and the step in progress is interrupted when the new plan skipped it.
   */
  replanned(restartStep: boolean): void {
    void this.stopBackground();
    if (restartStep) this.step?.abort(new Interrupted('replanned'));
    this.wake();
  }

  /** The server is stopping: leave the deployment where it is; the next server resumes it. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.background?.controller.abort();
    this.step?.abort(new Interrupted('shutdown'));
    this.wake();
    await this.done;
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private async run(): Promise<void> {
    if (!(await this.earlierEnded())) return;
    let transientFailures = 0;
    while (!this.stopped) {
      const d = this.current();
      if (d.finishedAt !== null) return;
      if (d.ending) {
        await this.stopBackground();
        return this.end(d);
      }
      if (d.hold !== null) {
        // An inconclusive analysis: nothing moves until a person promotes or aborts.
        await this.changed();
        continue;
      }
      await this.reconcileBackground(d);
      if (d.stepIndex >= d.plan.length) {
        // Succeeded means served: a router that crashed after its last push is a failure, not a success.
        const notServing = await checkServing(this.ctx, d).then(() => null, (error: unknown) => error);
        if (notServing !== null) {
          if (notServing instanceof CutoverError && notServing.retryable && transientFailures < TRANSIENT_RETRIES) {
            transientFailures++;
            this.ctx.log.warn({ err: notServing.message, attempt: transientFailures }, 'router not serving yet; checking again');
            await sleep(250 * 2 ** transientFailures);
            continue;
          }
          this.fail(notServing);
          continue;
        }
        const done = this.record({ type: 'Finished', phase: 'Succeeded', message: `revision ${d.revision} (version ${d.version}) serves all traffic` });
        this.ctx.log.info({ revision: d.revision }, 'deployment succeeded');
        cleanupQuietly(this.ctx, done);
        return;
      }
      const step = d.plan[d.stepIndex]!;
      let state = d;
      if (d.stepStartedAt === null) {
        const paused = step.type === 'pause';
        const awaitingApproval = step.type === 'approval';
        state = this.record({
          type: 'StepStarted',
          index: d.stepIndex,
          pausedUntil: step.type === 'pause' && step.durationMs !== undefined ? Date.now() + step.durationMs : null,
          paused,
          awaitingApproval,
          message: awaitingApproval
            ? `waiting for approval in ${d.environment}: an approver other than ${d.author} runs \`cutover approve ${d.id}\` (or \`cutover reject ${d.id}\`)`
            : paused && step.durationMs === undefined
              ? 'paused: run `cutover promote` to continue or `cutover abort` to roll back'
              : `step ${d.stepIndex + 1}/${d.plan.length}: ${describeStep(step)}`,
        });
      }
      this.ctx.log.info({ step: d.stepIndex + 1, action: describeStep(step) }, 'step');
      const controller = new AbortController();
      this.step = controller;
      const failure = await this.attempt(state, controller);
      this.step = null;
      // A plan replaced while the step ran (promote --full) is read again: the index may name another step now.
      if (failure === null && this.current().planHash !== state.planHash) continue;
      if (failure === null) {
        this.record({ type: 'StepCompleted', index: state.stepIndex });
        transientFailures = 0;
        continue;
      }
      if (failure instanceof Interrupted) {
        if (failure.why === 'shutdown') return;
        continue; // the loop sees `ending`, or the new plan
      }
      if (failure instanceof CutoverError && failure.retryable && transientFailures < TRANSIENT_RETRIES) {
        transientFailures++;
        this.ctx.log.warn({ err: failure.message, attempt: transientFailures }, 'transient failure; retrying the step');
        await sleep(250 * 2 ** transientFailures);
        continue;
      }
      this.fail(failure);
    }
  }

  /**
   * Waits until every earlier deployment of the service has ended (one this
   * deployment supersedes is sending traffic back to stable and draining its
   * instances): two deployments never act on one router at once. False when
   * the server stops first; the next server waits again.
   */
  private async earlierEnded(): Promise<boolean> {
    for (let told = false; ; told = true) {
      if (this.stopped) return false;
      const earlier = earlierUnfinished(this.ctx, this.current());
      if (!earlier.length) return true;
      if (!told) this.ctx.log.info({ waitingFor: earlier.map((d) => d.id) }, 'waiting for the deployments it supersedes to end');
      await Promise.race([sleep(200), this.changed()]);
    }
  }

  /**
   * Background analysis runs from the start of the canary until the promote
   * step; restarted after a crash like any step.
   */
  private async reconcileBackground(d: Deployment): Promise<void> {
    // From the first step, so the judge has seen stable alone before the canary's first request
    // (its first canary batch then counts as evidence), until the promote step.
    const until = d.plan.findIndex((step) => step.type === 'promote');
    const wanted = this.settingsOf(d).backgroundAnalysis && d.previousRevision !== null && d.stepIndex < until && !d.promotedFullyBy;
    if (!wanted) return this.stopBackground();
    if (this.background) return;
    const spec = deploymentSpec(this.ctx, d);
    if (spec.strategy.type !== 'canary' || spec.strategy.analysis === undefined) return;
    const analysis = spec.strategy.analysis;
    const controller = new AbortController();
    const done = analyse(this.ctx, d, 'background', analysis, (event) => this.record(event), controller.signal).then(
      (outcome) => {
        if (controller.signal.aborted || outcome.phase === 'Successful') return;
        if (outcome.phase === 'Inconclusive') {
          this.record({ type: 'Held', reason: outcome.message });
          return;
        }
        if (this.current().ending || this.current().finishedAt !== null) return;
        this.fail(analysisFailure(this.current(), outcome));
        this.interrupt();
      },
      (error: unknown) => this.ctx.log.error({ err: messageOf(error) }, 'background analysis crashed'),
    );
    this.background = { controller, done };
  }

  private async stopBackground(): Promise<void> {
    const background = this.background;
    if (!background) return;
    this.background = null;
    background.controller.abort();
    await background.done;
  }

  /** Runs a step with the watchdog and the progress deadline beside it; resolves with what stopped it, or null when it completed. */
  private async attempt(d: Deployment, controller: AbortController): Promise<unknown> {
    const step = d.plan[d.stepIndex]!;
    const spec = this.settingsOf(d);
    const watch = new AbortController();
    const runtime: StepRuntime = {
      ctx: this.ctx,
      signal: controller.signal,
      changed: () => this.changed(),
      current: () => this.current(),
      record: (event) => this.record(event),
    };
    const failures: Promise<unknown>[] = [
      watchRevision(this.ctx, d, d.revision, spec.healthCheck, watch.signal).then((failure) => {
        if (failure) controller.abort(failure);
        return failure ?? new Promise(() => undefined);
      }),
    ];
    if (hasProgressDeadline(step)) {
      const startedAt = d.stepStartedAt ?? Date.now();
      const remaining = startedAt + spec.progressDeadlineMs - Date.now();
      failures.push(
        sleepLong(remaining, watch.signal).then(
          () => {
            const waiting = describeWaiting(this.ctx.store.instances.live(d, d.revision), (id) => this.ctx.platform.placeOf?.(id));
            const error = new CutoverError(ErrorCode.ProgressDeadlineExceeded, `step ${d.stepIndex + 1} (${describeStep(step)}) made no progress within progressDeadline ${formatDuration(spec.progressDeadlineMs)}${waiting}`, {
              context: { ...pickRef(d), revision: d.revision, deployment: d.id },
            });
            controller.abort(error);
            return error;
          },
          () => new Promise(() => undefined),
        ),
      );
    }
    try {
      const outcome = await Promise.race([
        executeStep(runtime, d, step).then(
          () => null,
          (error: unknown) => (controller.signal.aborted ? controller.signal.reason : error),
        ),
        ...failures,
      ]);
      if (outcome !== null && !controller.signal.aborted) controller.abort(outcome);
      return outcome ?? (controller.signal.aborted ? controller.signal.reason : null);
    } finally {
      watch.abort();
    }
  }

  private fail(error: unknown): void {
    const d = this.current();
    const context = error instanceof CutoverError ? error.context : {};
    this.record({
      type: 'EndRequested',
      phase: d.previousRevision === null ? 'Failed' : 'RolledBack',
      reason: messageOf(error),
      ...(error instanceof CutoverError ? { code: error.code } : {}),
      ...(typeof context.instance === 'string' ? { instance: context.instance } : {}),
    });
    this.ctx.log.warn({ err: messageOf(error) }, 'deployment failed; rolling back');
  }

  /**
   * Rolls back, aborts or gives way to a newer deployment: all traffic to the previous revision, the new
   * revision's instances drained and stopped. Idempotent, so a crash in the
   * middle simply runs it again.
   */
  private async end(d: Deployment): Promise<void> {
    const ending = d.ending!;
    const { ctx } = this;
    const { port } = ctx.store.services.get(d)!;
    const { drainTimeoutMs } = this.settingsOf(d);
    const previousServing = d.previousRevision !== null && ctx.store.instances.live(d, d.previousRevision).some((i) => i.state === 'ready');
    // Going back needs something to go back to. When the previous revision has no instance left (a rolling
    // deployment past its last stable scale-down) and the new one still serves, taking its traffic away would
    // answer every request 503 (found by `npm run chaos`: an instance killed just before promotion): the new
    // revision keeps serving instead, self-healing replaces what exited, and the message says how to go back.
    const keepsNew =
      !previousServing && d.previousRevision !== null && ending.phase !== 'Superseded' && ctx.store.instances.live(d, d.revision).some((i) => i.state === 'ready');
    const weights = previousServing ? { [d.previousRevision!]: 100 } : keepsNew ? { [d.revision]: 100 } : {};
    for (let attempt = 0; ; attempt++) {
      try {
        if (previousServing) {
          ctx.store.services.setStableRevision(d, d.previousRevision);
          // The service's record goes back to the spec the serving revision was deployed with (its router's health check),
          // unless a newer apply wrote it: that apply superseded this deployment and deploys its spec next.
          const previous = ctx.store.services.revision(d, d.previousRevision!);
          if (previous && ending.phase !== 'Superseded') ctx.store.services.upsert({ ...previous.spec, port, environment: d.environment });
          // A warm previous revision that was due to retire is wanted again.
          for (const instance of ctx.store.instances.live(d, d.previousRevision!)) {
            if (instance.retireAt !== null) ctx.store.instances.update(instance.id, { retireAt: null });
          }
        }
        if (keepsNew) ctx.store.services.setStableRevision(d, d.revision);
        // No preview any more: the ending deployment's revision is not served anywhere.
        await setTraffic(ctx, d, { weights }, (event) => this.record(event));
        if (d.revision !== d.previousRevision) {
          // Kept serving: only the instances the interrupted step was still starting go (self-healing replaces them).
          const leaving = ctx.store.instances.live(d, d.revision).filter((i) => !keepsNew || i.state !== 'ready');
          for (const instance of leaving) await drainAndStop(ctx, instance, drainTimeoutMs);
        }
        break;
      } catch (error) {
        if (this.stopped || attempt >= TRANSIENT_RETRIES) throw error;
        ctx.log.warn({ err: messageOf(error), attempt: attempt + 1 }, 'could not end the deployment; retrying');
        await sleep(250 * 2 ** attempt);
      }
    }
    // A restart that stops changed no revision: there is nothing for the rollback hooks to undo.
    if (ending.phase !== 'Failed' && d.kind !== 'restart' && !keepsNew) await runRollbackHooks(ctx, d);
    const phase = (ending.phase === 'RolledBack' || keepsNew) && !previousServing ? 'Failed' : ending.phase;
    const target = previousServing
      ? `; revision ${d.previousRevision} serves all traffic`
      : keepsNew
        ? `; revision ${d.revision} keeps serving, since revision ${d.previousRevision} has no instance left to go back to (\`cutover rollback ${d.service} --env ${d.environment} --to-revision ${d.previousRevision}\` deploys it again)`
        : '';
    const verb = ENDED[phase];
    const done = this.record({ type: 'Finished', phase, message: `${verb}: ${ending.reason}${target}` });
    ctx.log.warn({ phase }, `deployment ${verb}`);
    cleanupQuietly(ctx, done);
  }
}
