import type { Step } from '../core/types.ts';
import type { ServiceSpec, StrategySpec } from '../spec/types.ts';
import { planBlueGreen } from './blue-green.ts';
import { planCanary } from './canary.ts';
import { planRolling } from './rolling.ts';

/** What is running before the deployment starts. */
export interface CurrentState {
  /** The revision serving now; null on a service's first deployment. */
  stable: { revision: number; replicas: number } | null;
}

export interface PlanOptions {
  /** Plan with this strategy instead of the spec's (e.g. a one-off `--strategy`). */
  strategy?: StrategySpec;
  /**
   * A rollback goes back to a revision that already served: it moves traffic
   * step by step but does not wait in pauses for a person (as Argo Rollouts
   * skips steps inside its rollback window).
   */
  skipPauses?: boolean;
}

/**
 * Turns a spec and what runs now into the ordered steps of a deployment.
 * Pure: the engine executes the steps, one at a time.
 */
export function planDeployment(spec: ServiceSpec, current: CurrentState, options: PlanOptions = {}): Step[] {
  const steps = planStrategy(spec, current, options);
  return options.skipPauses ? steps.filter((step) => step.type !== 'pause') : steps;
}

function planStrategy(spec: ServiceSpec, current: CurrentState, options: PlanOptions): Step[] {
  const strategy = options.strategy ?? spec.strategy;
  const instances = spec.instances;
  // Nothing serves yet, so there is nothing to protect: start, route, done.
  if (current.stable === null) return planFirstDeployment(instances);

  switch (strategy.type) {
    case 'rolling':
      return planRolling(instances, current.stable.replicas, strategy);
    case 'blueGreen':
      return planBlueGreen(instances, strategy);
    case 'canary':
      return planCanary(instances, strategy);
    default: {
      const unknown: never = strategy;
      throw new Error(`No strategy named '${(unknown as { type: string }).type}'; use rolling, blueGreen or canary.`);
    }
  }
}

function planFirstDeployment(instances: number): Step[] {
  return [{ type: 'scale', role: 'canary', replicas: instances }, { type: 'setWeight', canary: 100 }, { type: 'promote' }];
}
