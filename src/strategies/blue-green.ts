import type { Step } from '../core/types.ts';
import type { StrategySpec } from '../spec/types.ts';

export type BlueGreenStrategy = Extract<StrategySpec, { type: 'blueGreen' }>;

/**
 * Blue-green: start the whole new revision beside the old one, optionally let
 * people try it on the preview port, then switch all traffic at once. The old
 * revision keeps running for scaleDownDelayMs so a rollback is only a switch.
 */
export function planBlueGreen(instances: number, strategy: BlueGreenStrategy): Step[] {
  const steps: Step[] = [{ type: 'scale', role: 'canary', replicas: instances }];
  if (strategy.previewPort !== undefined) steps.push({ type: 'preview' });
  if (strategy.prePromotionAnalysis) steps.push({ type: 'analysis', kind: 'prePromotion', analysis: strategy.prePromotionAnalysis });
  if (!strategy.autoPromote) steps.push({ type: 'pause' });
  steps.push({ type: 'setWeight', canary: 100 });
  // After the switch but before the old set may go: a failure here is an instant switch back.
  if (strategy.postPromotionAnalysis) steps.push({ type: 'analysis', kind: 'postPromotion', analysis: strategy.postPromotionAnalysis });
  steps.push({ type: 'promote' }, { type: 'retire', afterMs: strategy.scaleDownDelayMs });
  return steps;
}
