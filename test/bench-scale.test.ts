import { describe, expect, it } from 'vitest';
import { formatScale, runScaleBench, type ScaleRow } from '../bench/scale.ts';
import { requirePostgres } from './support/postgres.ts';

/**
 * The short slices of `npm run bench:scale` that CI runs: 10 services × 10
 * simulated instances against a real server process, 1 and 10 deployments
 * at a time on SQLite, 10 at a time on PostgreSQL (a fresh database, dropped
 * afterwards). They check the bench works end to end and every deployment
 * succeeds; the figures themselves are the bench's to print, not asserted
 * (the machine is shared).
 */
function checkRows(rows: ScaleRow[]): void {
  for (const row of rows) {
    expect(row.deployments).toBeGreaterThan(0);
    expect(row.succeeded).toBe(row.deployments);
    expect(row.reads).toBeGreaterThan(0);
    expect(row.steps).toBeGreaterThan(0);
    for (const figure of [row.statusP50, row.statusP99, row.listP50, row.listP99, row.stepP50, row.stepP99, row.statusStatements, row.listStatements]) expect(Number.isFinite(figure)).toBe(true);
    expect(row.writesPerSecond).toBeGreaterThan(0);
    expect(row.statementsPerDeploy).toBeGreaterThan(0);
    expect(row.cpuMsPerDeploy).toBeGreaterThan(0);
    expect(row.rssMb).toBeGreaterThan(0);
  }
}

describe('bench:scale, 10 services', () => {
  it('deploys through a real server on the simulated platform and measures every figure', async () => {
    const rows = await runScaleBench({ services: [10], concurrency: [1, 10], instances: 10, windowMs: 4000 });
    expect(rows.map((r) => [r.store, r.services, r.concurrency])).toEqual([['sqlite', 10, 1], ['sqlite', 10, 10]]);
    checkRows(rows);
    const text = formatScale(rows);
    console.log(text);
    expect(text).toMatch(/status p99/);
    expect(text).toMatch(/sqlite: not measured \(this run has no 1000 × 10 cell\)/);
  });
});

const postgres = requirePostgres();
postgres.describe('bench:scale, 10 services on PostgreSQL', () => {
  postgres.it('deploys through a server on a fresh PostgreSQL database and measures every figure', async () => {
    const rows = await runScaleBench({ stores: ['postgres'], services: [10], concurrency: [10], instances: 10, windowMs: 3000 });
    expect(rows.map((r) => [r.store, r.services, r.concurrency])).toEqual([['postgres', 10, 10]]);
    checkRows(rows);
    console.log(formatScale(rows));
  }, 120_000);
});
