import type { Environment } from './types.ts';

/**
 * Which settings cutover enforces today. A setting that is not enforced yet
 * is still accepted and shown, marked as such, never silently ignored.
 */
export const ENFORCEMENT: Record<string, { enforced: boolean; note: string }> = {
  instances: { enforced: true, note: 'apply is refused outside min..max' },
  strategies: { enforced: true, note: 'apply is refused with another strategy' },
  requiresSuccessIn: { enforced: true, note: 'the artifact must have succeeded there first (see promote-env)' },
  deployWindows: { enforced: true, note: 'apply is refused outside the windows (UTC)' },
  hooks: { enforced: true, note: 'run at prepare, beforeTraffic, afterPromote, onRollback, cleanup' },
  keepRevisions: { enforced: true, note: 'cleanup keeps the artifacts of the last N revisions' },
  approvalRequired: { enforced: false, note: 'not enforced yet: approvals are not built' },
  signatureRequired: { enforced: false, note: 'not enforced yet: signature verification of artifacts is not wired into deployments' },
  blockVulnerabilitiesAt: { enforced: false, note: 'not enforced yet: scanning is not wired into deployments (`cutover scan` works)' },
};

export function environmentView(environment: Environment) {
  return {
    ...environment,
    enforcement: ENFORCEMENT,
  };
}
