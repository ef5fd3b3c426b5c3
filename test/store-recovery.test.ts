import { openSync, closeSync, readFileSync, statSync, truncateSync, writeSync, copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { isProcessAlive } from '../src/platforms/index.ts';
import { Cluster, helloSpec, runCli } from './support/cluster.ts';

/**
 * A store that is lost or damaged is never taken for a new one: the server
 * refuses to start (naming the file and `cutover restore`) and stops
 * nothing, so users keep being served; a backup made online by `cutover
 * backup` is restored, and the server adopts what runs and goes on.
 */
describe('a store emptied or corrupted while the server was down', () => {
  const cluster = new Cluster();
  const service = 'hello-store';
  let port = 0;
  const backup = `${cluster.dataDir}-backup.db`;
  const db = join(cluster.dataDir, 'cutover.db');

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(async () => {
    await cluster.destroy();
    rmSync(backup, { force: true });
  });

  const startRefused = async () => {
    const result = await runCli(['server', '--data-dir', cluster.dataDir, '--port', String(await freePort())], {}, 60_000);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(db);
    expect(result.stderr).toContain('cutover restore');
    return result.stderr;
  };

  it('is refused at start with nothing stopped, restored from a backup, and converges', async () => {
    for (const version of ['1.0.0', '2.0.0']) {
      const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version, instances: 2 })), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    }
    // Online: the server runs (and writes) while the backup is taken.
    const backedUp = await cluster.cli('backup', backup);
    expect(backedUp.code, backedUp.stderr).toBe(0);
    const before = await cluster.status(service);
    const pids = before.instances.map((i) => i.pid).sort();
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 200 });

    await cluster.stopServer('SIGKILL');
    truncateSync(db, 0);
    expect(await startRefused()).toContain('is empty (0 bytes)');

    // Mid-file damage: pages of a real store overwritten, its WAL gone.
    copyFileSync(backup, db);
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    const fd = openSync(db, 'r+');
    const pageSize = 4096;
    for (let offset = pageSize; offset < statSync(db).size; offset += pageSize) writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, offset);
    closeSync(fd);
    expect(await startRefused()).toContain('is damaged');

    // Nothing was stopped: the same instances still run and the router still serves.
    expect(pids.every((pid) => isProcessAlive(pid!))).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);

    const restored = await runCli(['restore', backup], { CUTOVER_DATA_DIR: cluster.dataDir });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('cutover.db.replaced-');
    await cluster.start();
    const after = await cluster.status(service);
    expect(after.phase).toBe('Succeeded');
    expect(after.instances.map((i) => i.pid).sort()).toEqual(pids); // adopted, not restarted

    const v3 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '3.0.0', instances: 2 })), '--wait');
    expect(v3.code, v3.stdout + v3.stderr).toBe(0);
    const report = await load.stop();
    expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
    const running = cluster.processes();
    const final = await cluster.status(service);
    expect(running.filter((p) => p.instance).map((p) => p.instance).sort()).toEqual(final.instances.map((i) => i.id).sort());
    expect(running.filter((p) => p.router)).toHaveLength(1);
  });

  it('refuses to restore while the server runs, and refuses a file that is not a backup', async () => {
    const whileRunning = await runCli(['restore', backup], { CUTOVER_DATA_DIR: cluster.dataDir });
    expect(whileRunning.code).not.toBe(0);
    expect(whileRunning.stderr).toMatch(/server \(pid \d+\) runs on this data dir; stop it/);
    const notABackup = `${cluster.dataDir}-not-a-backup.db`;
    copyFileSync(join(cluster.dataDir, 'admin-token'), notABackup);
    await cluster.stopServer();
    const garbage = await runCli(['restore', notABackup], { CUTOVER_DATA_DIR: cluster.dataDir });
    rmSync(notABackup, { force: true });
    expect(garbage.code).not.toBe(0);
    expect(garbage.stderr).toContain('is damaged');
    expect(readFileSync(db).length).toBeGreaterThan(0);
    await cluster.start();
  });
});
