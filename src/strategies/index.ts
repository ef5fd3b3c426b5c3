/** Strategies: pure plans from (spec, what runs now) to ordered steps. */
export { planFor } from './plan.ts';
export type { PlanOptions, StableState } from './plan.ts';
export { planRolling, resolveRollingBounds } from './rolling.ts';
export type { RollingStrategy } from './rolling.ts';
export { planBlueGreen } from './blue-green.ts';
export type { BlueGreenStrategy } from './blue-green.ts';
export { planCanary, replicasFor } from './canary.ts';
export type { CanaryStrategy } from './canary.ts';
export { planHash } from './plan-hash.ts';
export { describeStep } from './describe.ts';
export { fullPromotionSteps, skippedByFullPromotion } from './full-promotion.ts';
