import { redactCredentials } from '../core/redact.ts';
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
  approvalRequired: { enforced: true, note: 'deployments wait in AwaitingApproval for an approver other than the author' },
  signatureRequired: { enforced: true, note: 'the artifact needs a minisign signature by one of trustedKeys' },
  blockVulnerabilitiesAt: { enforced: true, note: 'enforced when the server has an advisory database (security.advisoryDb); policies deny unscanned artifacts in production' },
  trustedKeys: { enforced: true, note: 'minisign public keys whose signatures count' },
  outbound: { enforced: true, note: 'http/prometheus providers and http hooks call only hosts in outbound.allow; loopback, private, link-local and metadata addresses only when an entry names them' },
};

/** An environment as the API shows it: credentials in its hooks (headers, URL passwords) as `***`. */
export function environmentView(environment: Environment) {
  return {
    ...redactCredentials(environment),
    enforcement: ENFORCEMENT,
  };
}
