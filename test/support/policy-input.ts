import type { ServiceSpec, StrategySpec } from '../../src/spec/types.ts';
import { buildPolicyInput } from '../../src/supply-chain/policy/input.ts';
import type { PolicyInputSource } from '../../src/supply-chain/policy/input.ts';
import type { PolicyInput } from '../../src/supply-chain/policy/types.ts';
import { sampleSpec } from './sample-spec.ts';

export const CANARY: StrategySpec = { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] };
export const ROLLING: StrategySpec = { type: 'rolling', maxSurge: { count: 1 }, maxUnavailable: { count: 0 } };
export const BLUE_GREEN: StrategySpec = { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 30_000 };

const CLEAN_SCAN = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 };

/**
 * A production deployment every default policy allows: canary, validly
 * signed, scanned without critical findings. Tests change one thing at a time.
 */
export function testInput(spec: Partial<ServiceSpec> = {}, source: Partial<PolicyInputSource> = {}): PolicyInput {
  return buildPolicyInput({
    spec: sampleSpec(spec),
    revision: 7,
    artifact: { digest: 'a'.repeat(64), size: 1234 },
    signature: { state: 'valid', keyId: 'E7620F1842B4E81F' },
    scan: CLEAN_SCAN,
    author: 'alice',
    now: new Date('2025-03-12T14:30:00Z'),
    ...source,
  });
}

export { CLEAN_SCAN };
