import type { AlertRule, Severity } from './alert.ts';

export interface RuleSettings {
  /** @default true */
  enabled: boolean;
  severity: Severity;
}

/** Every rule's settings; rules with a threshold carry it. */
export interface RulesConfig {
  'deployment-failed': RuleSettings;
  'deployment-rolled-back': RuleSettings;
  'waiting-for-person': RuleSettings & {
    /** How long a deployment may wait for `cutover promote` before someone is told. @default 600000 (10m) */
    afterMs: number;
  };
  'progress-deadline-near': RuleSettings & {
    /** The share of the service's progressDeadline a step may use before the warning. @default 0.8 */
    fraction: number;
  };
  'analysis-inconclusive': RuleSettings;
}

/** What a user writes: any rule, any field, the rest defaulted. */
export type RulesInput = { [R in AlertRule]?: Partial<RulesConfig[R]> };

export const DEFAULT_RULES: RulesConfig = {
  'deployment-failed': { enabled: true, severity: 'critical' },
  'deployment-rolled-back': { enabled: true, severity: 'warning' },
  'waiting-for-person': { enabled: true, severity: 'warning', afterMs: 10 * 60_000 },
  'progress-deadline-near': { enabled: true, severity: 'warning', fraction: 0.8 },
  'analysis-inconclusive': { enabled: true, severity: 'warning' },
};

export function resolveRules(input: RulesInput = {}): RulesConfig {
  return {
    'deployment-failed': { ...DEFAULT_RULES['deployment-failed'], ...input['deployment-failed'] },
    'deployment-rolled-back': { ...DEFAULT_RULES['deployment-rolled-back'], ...input['deployment-rolled-back'] },
    'waiting-for-person': { ...DEFAULT_RULES['waiting-for-person'], ...input['waiting-for-person'] },
    'progress-deadline-near': { ...DEFAULT_RULES['progress-deadline-near'], ...input['progress-deadline-near'] },
    'analysis-inconclusive': { ...DEFAULT_RULES['analysis-inconclusive'], ...input['analysis-inconclusive'] },
  };
}
