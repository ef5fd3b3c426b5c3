/**
 * Rolling: replace the stable instances with canary ones in batches, the way
 * a Kubernetes Deployment does, so that at every point of the plan
 *   instances in rotation (stable + healthy canary) >= N - maxUnavailable
 *   instances running (stable + canary)            <= N + maxSurge.
 *
 * maxSurge and maxUnavailable are counts or percents of N; a percent surge
 * rounds up and a percent unavailable rounds down (as Kubernetes does), and
 * when both come to 0 the surge is 1 so the rollout can move at all.
 *
 * Each batch:
 *   a. scale stable down as far as maxUnavailable allows (counting the canary
 *      instances already healthy);
 *   b. scale canary up as far as maxSurge allows (the engine waits until the
 *      new instances are healthy, so they count as in rotation afterwards);
 *   c. set the canary weight to its share of N;
 *   d. scale stable down to N - canary, which the healthy canary now covers.
 * Every batch adds at least one canary instance (surge or unavailable is at
 * least 1), so the loop ends with canary N, stable 0 and weight 100.
 */
import type { Step } from '../core/types.ts';
import type { IntOrPercent, StrategySpec } from '../spec/types.ts';

export type RollingStrategy = Extract<StrategySpec, { type: 'rolling' }>;

/** Resolves maxSurge and maxUnavailable to instance counts for `instances` desired instances. */
export function resolveRollingBounds(
  instances: number,
  strategy: Pick<RollingStrategy, 'maxSurge' | 'maxUnavailable'>,
): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = resolve(strategy.maxSurge, instances, Math.ceil);
  const maxUnavailable = resolve(strategy.maxUnavailable, instances, Math.floor);
  if (maxSurge === 0 && maxUnavailable === 0) return { maxSurge: 1, maxUnavailable: 0 };
  return { maxSurge, maxUnavailable };
}

function resolve(value: IntOrPercent, instances: number, round: (x: number) => number): number {
  if ('count' in value) return value.count;
  return round((instances * value.percent) / 100);
}

/** Plans a rolling replacement of `stableReplicas` stable instances by `instances` canary ones. */
export function planRolling(instances: number, stableReplicas: number, strategy: RollingStrategy): Step[] {
  const { maxSurge, maxUnavailable } = resolveRollingBounds(instances, strategy);
  const steps: Step[] = [];
  let stable = stableReplicas;
  let canary = 0;
  let weight: number | undefined;

  while (canary < instances) {
    // a. Only as many stable instances as keep enough in rotation.
    const stableNeeded = Math.max(0, instances - maxUnavailable - canary);
    if (stable > stableNeeded) {
      stable = stableNeeded;
      steps.push({ type: 'scale', role: 'stable', replicas: stable });
    }
    // b. As many canary instances as the surge leaves room for.
    canary = Math.min(instances, instances + maxSurge - stable);
    steps.push({ type: 'scale', role: 'canary', replicas: canary });
    // c. Traffic follows the instances; a repeated weight would change nothing.
    const share = Math.round((100 * canary) / instances);
    if (share !== weight) {
      weight = share;
      steps.push({ type: 'setWeight', canary: weight });
    }
    // d. The healthy canary instances now cover the rest.
    const stableLeft = Math.min(stable, instances - canary);
    if (stableLeft < stable) {
      stable = stableLeft;
      steps.push({ type: 'scale', role: 'stable', replicas: stable });
    }
  }
  if (weight !== 100) steps.push({ type: 'setWeight', canary: 100 });
  // Stable is already at 0; retire still stops anything left of the old revision.
  steps.push({ type: 'promote' }, { type: 'retire', afterMs: 0 });
  return steps;
}
