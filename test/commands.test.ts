import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { isProcessAlive } from '../src/platforms/index.ts';
import { Cluster, HELLO_DIR, helloSpec, waitFor } from './support/cluster.ts';

/** promote, abort, rollback and their refusals, through the real CLI and API. */
describe('promote, abort and rollback', () => {
  const cluster = new Cluster();
  let port = 0;
  const service = 'hello-cmd';
  const manual = { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } };
  // Revision 1 comes from a copy of examples/hello that is deleted before the rollbacks.
  const source = mkdtempSync(join(tmpdir(), 'cutover-source-'));
  cpSync(HELLO_DIR, source, { recursive: true });

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(async () => {
    await cluster.destroy();
    rmSync(source, { recursive: true, force: true });
  });

  it('refuses to roll back a service that does not exist, naming it', async () => {
    const result = await cluster.cli('rollback', 'nope');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no service named "nope"/);
    const status = await cluster.cli('status', 'nope');
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/no service named "nope"/);
    expect(status.stderr).toContain('(NotFound; service: nope)'); // the server's code and context, as it sent them
  });

  it('answers 401 to a bad token and to none, and lets the liveness probe through', async () => {
    expect((await cluster.api('GET', '/v1/services', undefined, 'wrong')).status).toBe(401);
    expect((await fetch(`${cluster.url}/v1/services`)).status).toBe(401);
    expect((await fetch(`${cluster.url}/healthz`)).status).toBe(200);
    const bad = await (await import('./support/cluster.ts')).runCli(['status', service], { CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: 'wrong' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/token is not valid/);
  });

  it('refuses to roll back when there is nothing to roll back to', async () => {
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, strategy: manual, artifact: { path: source } })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const result = await cluster.cli('rollback', service);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no earlier successful revision/);
  });

  it('answers an invalid spec sent to the API with 400 and every field problem', async () => {
    const response = await cluster.api<{ error: { code: string; problems: { path: string }[] } }>('POST', '/v1/apply', {
      spec: { apiVersion: 'cutover/v1', kind: 'Service', metadata: { name: 'x' }, spec: { version: 2, port: 99999, artifact: { path: '.' }, run: { command: [] } } },
      artifact: { digest: 'a'.repeat(64) },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('InvalidSpec');
    expect(response.body.error.problems.map((p) => p.path).sort()).toEqual(['spec.port', 'spec.run.command', 'spec.version']);
  });

  it('prints instance logs prefixed with the instance id', async () => {
    const logs = await cluster.cli('logs', service, '--lines', '5');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^\[hello-cmd-development-r1-[0-9a-f]+\] .*listening/m);
  });

  it('refuses promote and abort when no deployment is in progress', async () => {
    expect((await cluster.cli('promote', service)).stderr).toMatch(/no deployment in progress/);
    expect((await cluster.cli('abort', service)).stderr).toMatch(/no deployment in progress/);
  });

  it('waits at pause {} until promoted, then completes', async () => {
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '2.0.0', strategy: manual })));
    expect(applied.code, applied.stderr).toBe(0);
    await waitFor('the canary to pause', async () => (await cluster.status(service)).phase === 'Paused');
    const paused = await cluster.status(service);
    expect(paused.weights).toEqual({ '1': 50, '2': 50 });
    // A second apply with --no-supersede while one is in progress is refused with what to do (without it, it supersedes: test/supersede.test.ts).
    const again = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '2.0.1', strategy: manual })), '--no-supersede');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Paused.*--no-supersede was given.*promote.*abort/);
    // `status --watch` follows it to the end and exits like `apply --wait`.
    const watching = cluster.cli('status', service, '--watch', '-o', 'json');
    const promoted = await cluster.cli('promote', service, '--wait');
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect((await cluster.status(service)).phase).toBe('Succeeded');
    const watched = await watching;
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);
    expect(JSON.parse(watched.stdout.slice(watched.stdout.indexOf('\n{') + 1)).phase).toBe('Succeeded');
  });

  it('aborts a paused canary: traffic back to stable, canary stopped, phase Aborted', async () => {
    await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '3.0.0', strategy: manual })));
    await waitFor('the canary to pause', async () => (await cluster.status(service)).phase === 'Paused');
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 200 });
    const watching = cluster.cli('status', service, '--watch');
    const aborted = await cluster.cli('abort', service, '--wait');
    expect(aborted.code, aborted.stderr).toBe(0);
    // Watching a deployment that ends Aborted exits 1, as `apply --wait` would; so does watching it once it has ended.
    const watched = await watching;
    expect(watched.code, watched.stdout + watched.stderr).toBe(1);
    expect(watched.stdout).toMatch(/phase: {7}Aborted/);
    expect((await cluster.cli('status', service, '--watch')).code).toBe(1);
    expect((await cluster.cli('status', service)).code).toBe(0);
    const report = await load.stop();
    const status = await cluster.status(service);
    expect(status.phase).toBe('Aborted');
    expect(status.weights).toEqual({ '2': 100 });
    expect(status.instances.every((i) => i.revision === 2)).toBe(true);
    expect(report.failed, JSON.stringify(report.failures.slice(0, 3))).toBe(0);
  });

  it('rolls back to the previous revision, then to a chosen one, after the source directory is gone', async () => {
    rmSync(source, { recursive: true, force: true });
    const rolled = await cluster.cli('rollback', service, '--wait');
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    let status = await cluster.status(service);
    expect(status.phase).toBe('Succeeded');
    expect(status.revision).toBe(1);
    expect(status.version).toBe('1.0.0');
    expect(status.weights).toEqual({ '1': 100 });

    const chosen = await cluster.cli('rollback', service, '--to-revision', '2', '--wait');
    expect(chosen.code, chosen.stdout + chosen.stderr).toBe(0);
    status = await cluster.status(service);
    expect(status.revision).toBe(2);
    expect(status.version).toBe('2.0.0');

    const same = await cluster.cli('rollback', service, '--to-revision', '2');
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/already the one serving/);
    const unknown = await cluster.cli('rollback', service, '--to-revision', '99');
    expect(unknown.stderr).toMatch(/no revision 99/);
  });

  it('rolls back instantly while the old revision is still warm (blue-green scaleDownDelay)', async () => {
    const bg = { blueGreen: { autoPromote: true, scaleDownDelay: '5m' } };
    const v4 = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, version: '4.0.0', strategy: bg })), '--wait');
    expect(v4.code, v4.stdout + v4.stderr).toBe(0);
    const warm = await cluster.status(service);
    expect(warm.instances.filter((i) => i.state === 'retiring')).toHaveLength(3);
    const pidsOfWarm = warm.instances.filter((i) => i.state === 'retiring').map((i) => i.pid).sort();

    const rolled = await cluster.cli('rollback', service, '--wait');
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(rolled.stdout).toMatch(/blueGreen/);
    const status = await cluster.status(service);
    expect(status.revision).toBe(2);
    expect(status.instances.filter((i) => i.revision === 2).map((i) => i.pid).sort()).toEqual(pidsOfWarm); // the same warm processes
  });

  it('refuses to roll back to a revision whose artifact is gone from the store', async () => {
    const history = await cluster.api<{ history: { revision: number; digest: string }[] }>('GET', `/v1/environments/development/services/${service}/history`);
    const digest = history.body.history.find((h) => h.revision === 1)!.digest;
    for (const file of [`${digest}.tar.gz`, `${digest}.tar.gz.age`, `${digest}.key`]) rmSync(join(cluster.dataDir, 'artifacts', 'sha256', file), { force: true });
    const result = await cluster.cli('rollback', service, '--to-revision', '1');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/artifact of revision 1 .* is gone/);
  });

  it('deletes a service: instances and router stopped, history kept', async () => {
    const deleted = await cluster.cli('delete', service);
    expect(deleted.code, deleted.stderr).toBe(0);
    // The router host (the default layout) serves every service of the data dir and stays: the service's own
    // processes stop, and its port stops answering.
    await waitFor('every process of the service to stop', () => cluster.processes().every(({ pid, router }) => router === 'host' || !isProcessAlive(pid)), 30_000);
    await waitFor(`port ${port} to stop answering`, () => fetch(`http://127.0.0.1:${port}/`).then(() => false, () => true), 30_000);
    const history = await cluster.api<{ history: unknown[] }>('GET', `/v1/environments/development/services/${service}/history`);
    expect(history.body.history.length).toBeGreaterThan(3);
  });
});
