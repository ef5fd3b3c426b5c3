import { describe, expect, it } from 'vitest';
import { CHAOS_DEFAULTS, runChaos } from './support/chaos.ts';

/**
 * The short, seeded version of `npm run chaos` (bench/chaos.ts): seed 9 draws
 * one trial of each kind — an instance during a rolling deployment, the
 * control plane during a canary, a router worker during a canary — and each
 * must converge with no failed request outside the router kill, and no
 * duplicate or orphan process.
 */
describe('chaos: seeded SIGKILLs during deployments under load', () => {
  it('converges after a kill of an instance, the control plane and a router worker', async () => {
    const summary = await runChaos({ ...CHAOS_DEFAULTS, seed: 9, trials: 3, workers: 2, instances: 2, rate: 100, convergeTimeoutMs: 60_000 });
    const described = JSON.stringify(summary.trials.map(({ trial, strategy, killed, problem, failedBy }) => ({ trial, strategy, killed, problem, failedBy })));
    expect(summary.trials.map((t) => t.target), described).toEqual(['instance', 'controlPlane', 'router']);
    expect(summary.converged, described).toBe(3);
    expect(summary.failed, described).toBe(0);
    expect(summary.duplicates + summary.orphans, described).toBe(0);
    // About 40 s on a quiet 2-core machine; the budget is for a loaded one.
  }, 300_000);
});
