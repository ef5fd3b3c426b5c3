/** The rules that raise alerts, by the name users configure them with. */
export const AlertRule = {
  DeploymentFailed: 'deployment-failed',
  DeploymentRolledBack: 'deployment-rolled-back',
  WaitingForPerson: 'waiting-for-person',
  ProgressDeadlineNear: 'progress-deadline-near',
  AnalysisInconclusive: 'analysis-inconclusive',
} as const;
export type AlertRule = (typeof AlertRule)[keyof typeof AlertRule];

export type Severity = 'critical' | 'warning' | 'info';

/** One fact worth showing beside the summary. */
export type AlertDetail = string | number | boolean | null;

export interface Alert {
  /** Stable for one condition (rule, deployment and, where it matters, step), so a repeat is recognised and not sent twice. */
  id: string;
  /** `test` only for the synthetic alert of `cutover alerts test`. */
  rule: AlertRule | 'test';
  severity: Severity;
  service: string;
  environment: string;
  deployment: number | null;
  /** One sentence a person can act on. */
  summary: string;
  details: Record<string, AlertDetail>;
  /** When the condition was seen (epoch ms). */
  at: number;
}

/** `rule:deployment[:step]`, the identity deduplication works on. */
export function alertId(rule: AlertRule, deployment: number | null, step?: number): string {
  return [rule, deployment ?? '-', ...(step === undefined ? [] : [step])].join(':');
}
