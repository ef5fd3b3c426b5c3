import type { Step } from './types.ts';

/**
 * Whether `progressDeadline` applies to a step. Pauses wait for time or a
 * person, approvals for a person, analyses for their measurements (or a
 * person, when held): none of them is stuck when it takes long.
 */
export function hasProgressDeadline(step: Step): boolean {
  return step.type !== 'pause' && step.type !== 'analysis' && step.type !== 'approval';
}
