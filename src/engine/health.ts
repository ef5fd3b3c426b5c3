import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeResult } from '../platforms/index.ts';
import type { HealthCheckSpec } from '../spec/types.ts';

export type StartupOutcome = { healthy: true } | { healthy: false; reason: 'exited' | 'timeout' | 'aborted'; detail: string };

/**
 * Waits until an instance passes `healthyThreshold` probes in a row, it
 * exits, `startupTimeout` passes, or `signal` aborts.
 */
export async function waitUntilHealthy(
  probe: () => Promise<ProbeResult>,
  check: HealthCheckSpec,
  isRunning: () => boolean,
  signal: AbortSignal,
): Promise<StartupOutcome> {
  const deadline = Date.now() + check.startupTimeoutMs;
  let passes = 0;
  let last = 'was not probed yet';
  while (!signal.aborted) {
    if (!isRunning()) return { healthy: false, reason: 'exited', detail: 'exited before it became healthy' };
    const result = await probe();
    last = result.detail;
    passes = result.ok ? passes + 1 : 0;
    if (passes >= check.healthyThreshold) return { healthy: true };
    if (Date.now() >= deadline) {
      return { healthy: false, reason: 'timeout', detail: `did not pass its health check (GET ${check.path}) within startupTimeout ${Math.round(check.startupTimeoutMs / 1000)}s; last probe: ${last}` };
    }
    // Probe faster than the interval while starting, so a deployment does not wait a whole interval per instance.
    await sleep(Math.min(check.intervalMs, 250), undefined, { signal }).catch(() => undefined);
  }
  return { healthy: false, reason: 'aborted', detail: 'stopped waiting' };
}
