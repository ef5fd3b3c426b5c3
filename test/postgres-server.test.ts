import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { queryPostgres, requirePostgres } from './support/postgres.ts';

const postgres = requirePostgres();

/**
 * The whole server on PostgreSQL (`--store postgres://…`, a fresh database):
 * it deploys on the local platform behind the real router under load, is
 * killed with SIGKILL in the middle of a canary, and a new server on the
 * same store adopts the instances and the router and finishes. Every
 * engine path of a deployment runs on PostgreSQL here; nothing is in
 * <data-dir>/cutover.db.
 */
postgres.describe('a server on PostgreSQL killed with SIGKILL during a canary', () => {
  const cluster = new Cluster();
  let port = 0;
  const service = 'hello-postgres';
  const strategy = { canary: { steps: [{ setWeight: 30 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '2s' } }] } };

  beforeAll(async () => {
    port = await freePort();
    cluster.usePostgres();
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  postgres.it('is resumed by a new server on the same store: 0 failed requests, nothing duplicated or orphaned', async () => {
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, strategy })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr + cluster.log()).toBe(0);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 300 });
    let report: Awaited<ReturnType<typeof load.stop>> | null = null;
    try {
      const v2 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '2.0.0', strategy })));
      expect(v2.code, v2.stderr).toBe(0);
      await waitFor('the canary to pause', async () => (await cluster.status(service)).phase === 'Paused');
      const before = await cluster.status(service);
      expect(before.instances).toHaveLength(4); // 3 stable + 1 canary at 30%

      await cluster.stopServer('SIGKILL');
      const whileDown = load.snapshot();
      await waitFor('the router to serve while no server runs', () => load.snapshot().ok > whileDown.ok + 300);

      await cluster.start();
      const adopted = await cluster.status(service);
      expect(adopted.phase).toBe('Paused');
      expect(adopted.instances.map((i) => `${i.id}:${i.pid}`).sort()).toEqual(before.instances.map((i) => `${i.id}:${i.pid}`).sort()); // adopted, not restarted

      const promoted = await cluster.cli('promote', service, '--wait');
      expect(promoted.code, promoted.stdout + promoted.stderr + cluster.log()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      report = await load.stop();
    }
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    expect(report.ok).toBeGreaterThan(0);
    expect(lastVersions(report, 800)).toEqual({ '2.0.0': expect.any(Number) });

    const after = await cluster.status(service);
    expect(after.phase).toBe('Succeeded');
    const running = cluster.processes();
    expect(running.filter((p) => p.instance).map((p) => p.instance!).sort()).toEqual(after.instances.map((i) => i.id).sort());
    expect(after.instances.filter((i) => i.revision === 2)).toHaveLength(3);
    expect(running.filter((p) => p.router)).toHaveLength(1);

    // The state is in PostgreSQL, as the servers wrote it: both deployments finished, no SQLite file.
    const deployments = await queryPostgres<{ version: string; finished: string }>(
      cluster.store,
      `SELECT state::jsonb ->> 'version' AS version, finished FROM deployments WHERE service = $1 ORDER BY id`,
      [service],
    );
    expect(deployments.map((d) => [d.version, Number(d.finished)])).toEqual([['1.0.0', 1], ['2.0.0', 1]]);
    expect(existsSync(join(cluster.dataDir, 'cutover.db'))).toBe(false);
  });
});
