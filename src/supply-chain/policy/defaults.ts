import type { Policy } from './types.ts';

/**
 * The policies in force unless a policy file says `defaults: false`: in
 * production, a new version takes traffic gradually, and only from an
 * artifact that is signed and was scanned clean of critical findings.
 */
export const DEFAULT_POLICIES: readonly Policy[] = [
  {
    name: 'production-progressive-strategy',
    expression: "deployment.strategy in ['canary', 'blueGreen']",
    message:
      '{{service}} uses the {{strategy}} strategy, but production deployments must use canary or blueGreen, so the new version is checked before it takes all the traffic',
    environments: ['production'],
  },
  {
    name: 'production-signed-artifact',
    expression: "deployment.signature.state == 'valid'",
    message:
      'the artifact of {{service}} {{version}} must have a valid signature to run in production, but its signature is {{signature.state}}; sign it with `minisign -S -m <file>` with a key production trusts',
    environments: ['production'],
  },
  {
    name: 'production-no-critical-findings',
    // The state comes first: the counts exist only for a scanned artifact, and && stops at false.
    expression: "deployment.scan.state == 'scanned' && deployment.scan.critical == 0",
    message:
      'the artifact of {{service}} {{version}} must be scanned and free of critical findings to run in production (scan: {{scan.state}}, critical: {{scan.critical}}); upgrade the affected packages',
    environments: ['production'],
  },
];
