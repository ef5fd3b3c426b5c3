import { describe, expect, it } from 'vitest';
import { formatScale, runScaleBench } from '../bench/scale.ts';

/**
 * The short slice of `npm run bench:scale` that CI runs: 10 services × 10
 * simulated instances against a real server process, 1 and 10 deployments
 * at a time. It checks the bench works end to end and every deployment
 * succeeds; the figures themselves are the bench's to print, not asserted
 * (the machine is shared).
 */
describe('bench:scale, 10 services', () => {
  it('deploys through a real server on the simulated platform and measures every figure', async () => {
    const rows = await runScaleBench({ services: [10], concurrency: [1, 10], instances: 10, windowMs: 4000 });
    expect(rows.map((r) => [r.services, r.concurrency])).toEqual([[10, 1], [10, 10]]);
    for (const row of rows) {
      expect(row.deployments).toBeGreaterThan(0);
      expect(row.succeeded).toBe(row.deployments);
      expect(row.reads).toBeGreaterThan(0);
      expect(row.steps).toBeGreaterThan(0);
      for (const figure of [row.statusP50, row.statusP99, row.listP50, row.listP99, row.stepP50, row.stepP99]) expect(Number.isFinite(figure)).toBe(true);
      expect(row.writesPerSecond).toBeGreaterThan(0);
      expect(row.cpuMsPerDeploy).toBeGreaterThan(0);
      expect(row.rssMb).toBeGreaterThan(0);
    }
    const text = formatScale(rows);
    console.log(text);
    expect(text).toMatch(/status p99/);
  });
});
