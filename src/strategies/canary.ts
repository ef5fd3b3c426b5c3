import type { Step } from '../core/types.ts';
import type { StrategySpec } from '../spec/types.ts';

export type CanaryStrategy = Extract<StrategySpec, { type: 'canary' }>;

/**
 * Canary: the user's steps, in order, with the canary scaled before each
 * weight so each of its instances carries about what a stable one does. Stable stays at full size
 * throughout, so aborting is only a weight change; it goes away through retire.
 */
export function planCanary(instances: number, strategy: CanaryStrategy): Step[] {
  const steps: Step[] = [];
  let replicas = 0;
  let weight = 0;

  const scaleCanary = (needed: number): void => {
    // Never scale the canary down on a lower weight: it is about to grow again.
    if (needed <= replicas) return;
    replicas = needed;
    steps.push({ type: 'scale', role: 'canary', replicas });
  };
  const setWeight = (canary: number): void => {
    if (canary === weight) return;
    weight = canary;
    steps.push({ type: 'setWeight', canary });
  };

  for (const step of strategy.steps) {
    if ('setWeight' in step) {
      scaleCanary(replicasFor(instances, step.setWeight));
      setWeight(step.setWeight);
    } else if ('setHeaderRoute' in step) {
      // Header-routed requests need an instance even before any weight: one, unless a weight asked for more.
      scaleCanary(Math.max(1, replicas));
      steps.push({ type: 'setHeaderRoute', ...step.setHeaderRoute });
    } else if ('setMirrorRoute' in step) {
      // Mirrored requests need an instance to go to, like header-routed ones.
      if (step.setMirrorRoute.percentage > 0) scaleCanary(Math.max(1, replicas));
      steps.push({ type: 'setMirrorRoute', percentage: step.setMirrorRoute.percentage });
    } else if ('analysis' in step) {
      steps.push({ type: 'analysis', kind: 'step', analysis: step.analysis });
    } else {
      const { durationMs } = step.pause;
      steps.push(durationMs === undefined ? { type: 'pause' } : { type: 'pause', durationMs });
    }
  }
  scaleCanary(instances);
  setWeight(100);
  steps.push({ type: 'promote' }, { type: 'retire', afterMs: 0 });
  return steps;
}

/**
 * Canary instances for `weight` percent of traffic: as many as give each one
 * about the load of a stable instance (weight ÷ canary ≈ (100 − weight) ÷
 * stable), at least one for any traffic at all, at most the service's size.
 * Equal per-instance load is what lets the judge compare like with like: a
 * busier instance is slower whatever its code. Above 50% the cap leaves the
 * canary instances busier than stable's (the price of not running more than
 * twice the service).
 */
export function replicasFor(instances: number, weight: number): number {
  if (weight <= 0) return 0;
  if (weight >= 100) return instances;
  return Math.min(instances, Math.max(1, Math.round((instances * weight) / (100 - weight))));
}
