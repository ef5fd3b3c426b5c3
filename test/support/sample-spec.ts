import type { ServiceSpec } from '../../src/spec/types.ts';

/** A valid normalized spec: hello 2.0.0 in production, three instances, a canary at 20% then a pause. */
export function sampleSpec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'hello',
    environment: 'production',
    version: '2.0.0',
    artifact: { path: '.' },
    run: { command: ['node', 'server.js'], env: {} },
    instances: 3,
    port: 8080,
    healthCheck: { path: '/healthz', intervalMs: 1000, timeoutMs: 2000, healthyThreshold: 1, unhealthyThreshold: 3, startupTimeoutMs: 30_000 },
    strategy: { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] },
    progressDeadlineMs: 600_000,
    drainTimeoutMs: 30_000,
    hooks: {},
    ...overrides,
  };
}
