import type { Step } from '../core/types.ts';

/**
 * The rest of a plan when a person promotes it to the end (`promote --full`,
 * Argo Rollouts' `promote --full`): the shortest way to 100% that keeps the
 * plan's capacity. Invariants:
 * - no pause and no analysis is left: waiting and measuring is what was skipped;
 * - approvals, hooks, previews, promote and retire stay: they are not waits
 *   for evidence but gates and work the deployment owes;
 * - a setWeight, or a scale-up of the canary, is dropped when a later step of
 *   the same kind comes before the stable side is scaled: the canary then goes
 *   straight to its final size, then to its final weight (canary: stable
 *   stays at full size throughout, so nothing serves less than before);
 * - the order of what is left is the plan's order, so a step never runs
 *   before what the plan made it wait for (rolling's stable scale-downs stay
 *   behind the canary scale-ups and weights that allow them).
 * Pure.
 */
export function fullPromotionSteps(remaining: readonly Step[]): Step[] {
  const steps = remaining.filter((step) => step.type !== 'pause' && step.type !== 'analysis');
  const superseded = (index: number): boolean => {
    const step = steps[index]!;
    const canaryScale = step.type === 'scale' && step.role === 'canary';
    if (step.type !== 'setWeight' && !canaryScale) return false;
    for (const later of steps.slice(index + 1)) {
      if (later.type === 'scale' && later.role === 'stable') return false;
      if (later.type === step.type && (later.type !== 'scale' || later.role === 'canary')) return true;
    }
    return false;
  };
  return steps.filter((_, index) => !superseded(index));
}

/** Whether `promote --full` skips this step when it is the one in progress (it is restarted as the new plan's step). */
export function skippedByFullPromotion(step: Step): boolean {
  return step.type === 'pause' || step.type === 'analysis';
}
