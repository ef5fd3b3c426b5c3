import { readFileSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';
import { IN_CI, requireTool } from './support/tools.ts';

/**
 * Deployer code cannot reach the control plane's secrets (issue 9, finding
 * 1): a deployer's instance, command hook and `command` analysis provider try
 * to read the admin token, the database, the keys and the router token from
 * the data dir, by `$CUTOVER_DATA_DIR` and by path. Run as root (CI), the
 * server isolates them as `nobody`; forced to bubblewrap, in a sandbox.
 */
const root = process.getuid?.() === 0;
const withBwrap = requireTool('bwrap');

function attackSuite(name: string, isolation: Record<string, unknown>, gate: { describe: (name: string, body: () => void) => void }, expectedUid: number | null): void {
  gate.describe(`${name}: a deployer's code`, () => {
    const cluster = new Cluster();
    const data = cluster.dataDir;
    const service = 'thief';
    let port = 0;
    // Everything a deployer would try: the variable that used to name the data dir, and the paths themselves.
    const steal = `cat "$CUTOVER_DATA_DIR/admin-token" ${data}/admin-token ${data}/router-token ${data}/routers/*/*/admin-token ${data}/instance-mark ${data}/keys/* ${data}/cutover.db; ls ${data}; echo planted > ${data}/planted`;
    const probe = `if cat ${data}/admin-token ${data}/cutover.db ${data}/keys/*; then echo LEAKED; exit 1; fi; echo "isolated-as-$(id -u)"`;

    beforeAll(async () => {
      port = await freePort();
      writeFileSync(join(data, 'config.yaml'), stringify({ isolation }));
      await cluster.start();
    });
    afterAll(() => cluster.destroy());

    it('runs, but reads nothing of the data dir: not the admin token, the database, the keys nor the router token', async () => {
      const spec = helloSpec({ port, instances: 2, run: { command: ['sh', '-c', `${steal}; echo "uid=$(id -u)"; echo ENV-BEGIN; env; echo ENV-END; exec node server.js`], env: {} } });
      const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      const logs = await cluster.cli('logs', service);
      expect(logs.code, logs.stderr).toBe(0);
      expect(logs.stdout).toMatch(/hello .* listening|uid=/);
      expect(logs.stdout).not.toContain(cluster.token);
      expect(logs.stdout).not.toContain(readFileSync(join(data, 'routers/development', service, 'admin-token'), 'utf8').trim());
      expect(logs.stdout).not.toMatch(/AGE-SECRET-KEY|SQLite format 3/);
      expect(logs.stdout).toMatch(/Permission denied|No such file or directory/);
      expect(existsSync(join(data, 'planted'))).toBe(false);
      if (expectedUid !== null) expect(logs.stdout).toContain(`uid=${expectedUid}`);
      // No variable names the data dir or any path in it.
      const env = logs.stdout.split('ENV-BEGIN')[1]!.split('ENV-END')[0]!;
      expect(env).not.toContain('CUTOVER_DATA_DIR');
      expect(env).not.toContain(`${data}/`);
      expect(env).not.toMatch(new RegExp(`=${data}$`, 'm'));
      expect(env).toMatch(/CUTOVER_MARK=[0-9a-f]{32}/);
      for (const { pid } of cluster.processes().filter((p) => p.instance)) {
        expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(`${data}/`);
      }
    });

    it('runs command hooks and command analysis providers in the same isolation', async () => {
      const hooks = { prepare: [{ command: ['sh', '-c', probe] }], afterPromote: [{ command: ['sh', '-c', probe] }] };
      const analysis = { metrics: [{ name: 'steal', provider: { command: { command: ['sh', '-c', probe] } }, count: 1, interval: '1s' }] };
      const spec = helloSpec({ port, instances: 2, version: '2.0.0', hooks, strategy: { canary: { steps: [{ setWeight: 50 }, { analysis }] } } });
      const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, spec), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      const status = await cluster.status(service);
      const measured = JSON.stringify(status.analyses);
      expect(measured, measured).toMatch(/isolated-as-/);
      if (expectedUid !== null) expect(measured).toContain(`isolated-as-${expectedUid}`);
    });

    it('is adopted after a restart of the server by its opaque mark, and the data dir is made 0700 again', async () => {
      const before = (await cluster.status(service)).instances.map((i) => `${i.id}:${i.pid}`).sort();
      expect(before.length).toBeGreaterThan(0);
      await cluster.stopServer('SIGKILL');
      chmodSync(data, 0o755);
      await cluster.start();
      expect(statSync(data).mode & 0o777).toBe(0o700);
      const after = await cluster.status(service);
      expect(after.instances.map((i) => `${i.id}:${i.pid}`).sort()).toEqual(before);
      expect(after.instances.every((i) => i.healthy)).toBe(true);
      await waitFor('the adopted instances to keep serving', async () => (await fetch(`http://127.0.0.1:${port}/`)).ok);
      const deleted = await cluster.cli('delete', service);
      expect(deleted.code, deleted.stderr).toBe(0);
      await waitFor('every instance to stop', () => cluster.processes().every((p) => !p.instance));
    });
  });
}

// Like a missing tool (test/support/tools.ts): skipped loudly on a developer's machine, failed under CI=true.
const NOT_ROOT = 'the isolation tests as root (user mode) need the tests to run as root, as CI does';
const asRoot = root
  ? { describe }
  : IN_CI
    ? { describe: (name: string) => describe(name, () => it('runs as root', () => expect.fail(`${NOT_ROOT}; under CI=true this fails instead of skipping`))) }
    : { describe: (name: string, body: () => void) => describe.skip(name, body) };
if (!root && !IN_CI) console.warn(`SKIPPED: ${NOT_ROOT}`);
attackSuite('as root, isolated as nobody', {}, asRoot, 65534);
attackSuite('in a bubblewrap sandbox', { mode: 'bubblewrap' }, withBwrap, null);

describe('the opt-out', () => {
  const cluster = new Cluster();
  afterAll(() => cluster.destroy());

  it('isolation.mode none is logged loudly at every start', async () => {
    writeFileSync(join(cluster.dataDir, 'config.yaml'), stringify({ isolation: { mode: 'none' } }));
    await cluster.start();
    expect(cluster.log()).toMatch(/INSECURE: isolation.mode is none/);
  });
});
