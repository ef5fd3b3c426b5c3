import type { ServiceSpec, StrategySpec } from '../spec/types.ts';

/** A valid normalized spec for strategy tests; only what plans read matters. */
export function specWith(instances: number, strategy: StrategySpec): ServiceSpec {
  return {
    name: 'hello',
    environment: 'development',
    version: '2.0.0',
    artifact: { path: '.' },
    run: { command: ['node', 'server.js'], env: {} },
    instances,
    port: 8080,
    healthCheck: {
      path: '/healthz',
      intervalMs: 1000,
      timeoutMs: 2000,
      healthyThreshold: 1,
      unhealthyThreshold: 3,
      startupTimeoutMs: 30_000,
    },
    strategy,
    progressDeadlineMs: 600_000,
    drainTimeoutMs: 30_000,
    hooks: {},
  };
}
