import type { Step } from '../core/types.ts';
import type { Environment } from '../environments/types.ts';
import type { HookPoint, ServiceSpec, StrategySpec } from '../spec/types.ts';
import { planBlueGreen } from './blue-green.ts';
import { planCanary } from './canary.ts';
import { withHooks } from './hooks.ts';
import { planRolling } from './rolling.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';

/** The revision serving before the deployment starts, and how many of its instances run. */
export interface StableState {
  revision: number;
  replicas: number;
}

export interface PlanOptions {
  /** Plan with this strategy instead of the spec's (a warm rollback switches at once). */
  strategy?: StrategySpec;
  /**
   * A rollback goes back to a revision that already served: it moves traffic
   * step by step but waits for nobody, neither in pauses (as Argo Rollouts
   * skips steps inside its rollback window) nor for an approver.
   * @default false
   */
  rollback?: boolean;
  /** The rules of the environment deployed to: its approval and its hooks, which run before the spec's own. */
  environment?: Pick<Environment, 'approvalRequired' | 'hooks'>;
  /**
   * Whether an approver must agree first. By default: when the environment
   * requires approval, except for a rollback. A rollback to a revision that
   * was never approved in an environment that requires approval sets it.
   */
  approval?: boolean;
}

/**
 * The whole plan of a deployment, from the revision's spec and what serves
 * now: an approval first when the environment requires one (nothing starts
 * before an approver agrees), then the strategy's steps with the hook steps
 * of the points that have hooks (the environment's or the spec's). Pure: the
 * engine executes the steps, one at a time.
 */
export function planFor(spec: ServiceSpec, stable: StableState | null, options: PlanOptions = {}): Step[] {
  const rollback = options.rollback ?? false;
  const strategySteps = planStrategy(spec, stable, options.strategy ?? spec.strategy);
  const steps = rollback ? strategySteps.filter((step) => step.type !== 'pause') : strategySteps;
  const hooked = (point: HookPoint) => (options.environment?.hooks[point]?.length ?? 0) + (spec.hooks[point]?.length ?? 0) > 0;
  const approval: Step[] = (options.approval ?? (!rollback && options.environment?.approvalRequired)) ? [{ type: 'approval' }] : [];
  return [...approval, ...withHooks(steps, { prepare: hooked('prepare'), beforeTraffic: hooked('beforeTraffic'), afterPromote: hooked('afterPromote') })];
}

function planStrategy(spec: ServiceSpec, stable: StableState | null, strategy: StrategySpec): Step[] {
  const instances = spec.instances;
  // Nothing serves yet, so there is nothing to protect: start, route, done.
  if (stable === null) return planFirstDeployment(instances);

  switch (strategy.type) {
    case 'rolling':
      return planRolling(instances, stable.replicas, strategy);
    case 'blueGreen':
      return planBlueGreen(instances, strategy);
    case 'canary':
      return planCanary(instances, strategy);
    default: {
      const unknown: never = strategy;
      throw new CutoverError(ErrorCode.InvalidSpec, `No strategy named '${(unknown as { type: string }).type}'; use rolling, blueGreen or canary.`, { problems: [{ path: 'spec.strategy.type', message: 'expected rolling, blueGreen or canary' }] });
    }
  }
}

function planFirstDeployment(instances: number): Step[] {
  return [{ type: 'scale', role: 'canary', replicas: instances }, { type: 'setWeight', canary: 100 }, { type: 'promote' }];
}
