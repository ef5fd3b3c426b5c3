import type { ServiceSpec } from '../../spec/types.ts';
import type { MinisignVerification } from '../minisign/index.ts';
import type { SeveritySummary } from '../scan/index.ts';
import type { PolicyInput, PolicySignature, Weekday } from './types.ts';

export interface PolicyInputSource {
  /** The normalized spec being deployed. */
  spec: ServiceSpec;
  /** The revision number this deployment creates. */
  revision: number;
  /** The stored artifact, as the artifact store returned it. */
  artifact: { digest: string; size: number };
  /**
   * The artifact's signature check.
   * @default { state: 'not-checked' }
   */
  signature?: PolicySignature;
  /**
   * The scan's counts by severity; leave it out when the artifact was not scanned.
   */
  scan?: SeveritySummary;
  /** Who asked for the deployment. */
  author: string;
  /**
   * When the deployment was asked for.
   * @default now
   */
  now?: Date;
}

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The `deployment` variable policies see, from what the server knows when a deployment is asked for. */
export function buildPolicyInput(source: PolicyInputSource): PolicyInput {
  const { spec, scan } = source;
  const now = source.now ?? new Date();
  return {
    service: spec.name,
    environment: spec.environment,
    version: spec.version,
    revision: source.revision,
    strategy: spec.strategy.type,
    instances: spec.instances,
    spec,
    artifact: { digest: source.artifact.digest, size: source.artifact.size },
    signature: source.signature ?? { state: 'not-checked' },
    scan: scan === undefined ? { state: 'not-scanned' } : { state: 'scanned', ...scan },
    author: source.author,
    time: { iso: now.toISOString(), hour: now.getUTCHours(), weekday: WEEKDAYS[now.getUTCDay()] ?? 'sun' },
    analysis: { configured: hasAnalysis(spec) },
  };
}

function hasAnalysis(spec: ServiceSpec): boolean {
  const { strategy } = spec;
  switch (strategy.type) {
    case 'rolling':
      return false;
    case 'blueGreen':
      return strategy.prePromotionAnalysis !== undefined || strategy.postPromotionAnalysis !== undefined;
    case 'canary':
      return strategy.analysis !== undefined || strategy.steps.some((step) => 'analysis' in step);
    default: {
      const unknown: never = strategy;
      return unknown;
    }
  }
}

/** A minisign verification as the policy input's signature; undefined when the artifact was not checked. */
export function signatureFromMinisign(verification: MinisignVerification | undefined): PolicySignature {
  if (verification === undefined) return { state: 'not-checked' };
  if (verification.ok) return { state: 'valid', keyId: verification.keyId };
  switch (verification.reason) {
    case 'missing':
      return { state: 'missing' };
    case 'untrusted-key':
      return { state: 'untrusted' };
    case 'bad-signature':
    case 'malformed':
    case 'bad-global-signature':
      return { state: 'invalid' };
    default: {
      const unknown: never = verification.reason;
      return unknown;
    }
  }
}
