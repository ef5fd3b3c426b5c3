import type { ServiceSpec, StrategySpec } from '../../spec/types.ts';
import { buildPolicyInput } from './input.ts';
import type { PolicyInputSource } from './input.ts';
import type { PolicyInput } from './types.ts';

export const CANARY: StrategySpec = { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] };
export const ROLLING: StrategySpec = { type: 'rolling', maxSurge: { count: 1 }, maxUnavailable: { count: 0 } };
export const BLUE_GREEN: StrategySpec = { type: 'blueGreen', autoPromote: true, scaleDownDelayMs: 30_000 };

/** A normalized spec for policy tests. */
export function testSpec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'hello',
    environment: 'production',
    version: '2.0.0',
    artifact: { path: '.' },
    run: { command: ['node', 'server.js'], env: {} },
    instances: 3,
    port: 8080,
    healthCheck: { path: '/healthz', intervalMs: 1000, timeoutMs: 2000, healthyThreshold: 1, unhealthyThreshold: 3, startupTimeoutMs: 30_000 },
    strategy: CANARY,
    progressDeadlineMs: 600_000,
    drainTimeoutMs: 30_000,
    hooks: {},
    ...overrides,
  };
}

const CLEAN_SCAN = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 };

/**
 * A production deployment every default policy allows: canary, validly
 * signed, scanned without critical findings. Tests change one thing at a time.
 */
export function testInput(spec: Partial<ServiceSpec> = {}, source: Partial<PolicyInputSource> = {}): PolicyInput {
  return buildPolicyInput({
    spec: testSpec(spec),
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
