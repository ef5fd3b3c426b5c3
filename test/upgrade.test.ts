import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { findMarked, MARK_VARIABLE, serverMark } from '../src/platforms/index.ts';
import { startLoad } from '../src/load/index.ts';
import { CLI_ENTRY, Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { buildPreviousRelease, PREVIOUS_RELEASE } from './support/previous-release.ts';

/**
 * A data dir written by the previous release (one service per name), with
 * its service running, is taken over by this release: the store is migrated
 * to (service, environment) identity and the running instances and router
 * are adopted, not restarted, while requests keep flowing.
 */
describe(`upgrading a data dir written by release ${PREVIOUS_RELEASE.slice(0, 12)}`, () => {
  const cluster = new Cluster();
  let previous = '';

  beforeAll(() => {
    previous = buildPreviousRelease();
  }, 600_000);
  afterAll(() => cluster.destroy());

  it('adopts the running instances and router without restarting them, and deploys on from there', async () => {
    cluster.cliEntry = previous;
    await cluster.start();
    const port = await freePort();
    const spec = (version: string) => cluster.writeSpec('legacy', helloSpec({ port, instances: 2, version, environment: 'development', strategy: { rolling: {} } }));
    const v1 = await cluster.cli('apply', '-f', spec('1.0.0'), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    // The previous release marks its instances with the data dir (the current one with an opaque per-server mark).
    const legacy = () => findMarked({ CUTOVER_DATA_DIR: cluster.dataDir }).map(({ pid, env }) => ({ pid, instance: env.get('CUTOVER_INSTANCE'), router: env.get('CUTOVER_ROUTER') }));
    const before = legacy();
    expect(before.filter((p) => p.instance).length).toBe(2);
    expect(before.filter((p) => p.router).map((p) => p.router)).toEqual(['legacy']);

    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 100 });
    await cluster.stopServer();
    cluster.cliEntry = CLI_ENTRY;
    await cluster.start();

    const status = await waitFor('the upgraded server to show the service', async () => {
      const s = await cluster.status('legacy', 'development');
      return s.phase === 'Succeeded' && s.instances.length > 0 && s.instances.every((i) => i.healthy) ? s : null;
    });
    // The instances it serves are the ones the previous release started.
    expect(status.instances.map((i) => i.pid).sort()).toEqual(before.filter((p) => p.instance).map((p) => p.pid).sort());
    expect(status.stableRevision).toBe(1);
    // The same processes: adopted, not restarted.
    expect(legacy().map((p) => p.pid).sort()).toEqual(before.map((p) => p.pid).sort());

    const v2 = await cluster.cli('apply', '-f', spec('2.0.0'), '--wait');
    expect(v2.code, v2.stdout + v2.stderr).toBe(0);
    const history = JSON.parse((await cluster.cli('history', 'legacy', '--env', 'development', '-o', 'json')).stdout) as { revision: number; outcome: string }[];
    expect(history.map((h) => [h.revision, h.outcome])).toEqual([[1, 'Succeeded'], [2, 'Succeeded']]);
    // The previous release's instances were replaced like any others, by instances carrying this release's mark.
    expect(legacy().filter((p) => p.instance)).toEqual([]);
    expect(findMarked({ [MARK_VARIABLE]: serverMark(cluster.dataDir) }).filter(({ env }) => env.has('CUTOVER_INSTANCE')).length).toBeGreaterThan(0);
    // The old router serves the new revision: it was adopted by its old mark and took the new config.
    const routerPid = before.find((p) => p.router)!.pid;
    expect(legacy().find((p) => p.router)?.pid).toBe(routerPid);
    // That router answers to the token all routers shared in that release and cannot change it: it keeps it, in its own file, until it restarts.
    expect(existsSync(join(cluster.dataDir, 'router-token'))).toBe(false);
    expect(readFileSync(join(cluster.dataDir, 'routers/legacy/admin-token'), 'utf8').trim()).toMatch(/^\S{32,}$/);
    expect(cluster.log()).toContain('cannot change its admin token');
    const report = await load.stop();
    expect(report.byVersion['2.0.0']).toBeGreaterThan(0);
    expect(report.failed, JSON.stringify(report.byVersion)).toBe(0);
    const pipeline = await cluster.cli('pipeline', 'legacy');
    expect(pipeline.stdout).toMatch(/development\s+2\.0\.0\s+2\s+sha256:/);
  });
});
