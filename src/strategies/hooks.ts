import type { Step } from '../core/types.ts';

/**
 * Adds hook steps to a plan, only for the points that have hooks: `prepare`
 * before anything starts, `beforeTraffic` before the first step that sends
 * users to the new revision, `afterPromote` once it is the stable one. A
 * failed prepare or beforeTraffic hook therefore rolls back before any user
 * sees the new version.
 */
export function withHooks(plan: Step[], points: { prepare: boolean; beforeTraffic: boolean; afterPromote: boolean }): Step[] {
  const steps: Step[] = [];
  if (points.prepare) steps.push({ type: 'hook', point: 'prepare' });
  let trafficHooked = false;
  for (const step of plan) {
    if (points.beforeTraffic && !trafficHooked && step.type === 'setWeight' && step.canary > 0) {
      steps.push({ type: 'hook', point: 'beforeTraffic' });
      trafficHooked = true;
    }
    steps.push(step);
    if (points.afterPromote && step.type === 'promote') steps.push({ type: 'hook', point: 'afterPromote' });
  }
  return steps;
}
