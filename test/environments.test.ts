import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { Cluster, HELLO_DIR, helloSpec, waitFor } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

const withPromtool = requireTool('promtool');

/**
 * Environments with their rules, hooks, promotion between environments,
 * Prometheus metrics and signed alert webhooks: through a real server with
 * a real config file, real hooks and a real webhook receiver.
 */
const SECRET = `whsec_${Buffer.from('cutover-test-webhook-secret-32b!').toString('base64')}`;

describe('environments, hooks, promotion, metrics and alerts', () => {
  const cluster = new Cluster();
  let receiver: Server;
  const received: { headers: Record<string, string>; body: string }[] = [];
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    const receiverPort = await freePort();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        environments: {
          qa: { extends: 'testing', description: 'small and canary-only', instances: { max: 2 }, strategies: ['canary'] },
          tiny: { extends: 'development', keepRevisions: 1 },
          staging: { instances: { min: 1 } },
          // Approval, signatures and the default policies are tested in the security tests.
          production: { instances: { min: 1 }, approvalRequired: false, signatureRequired: false },
        },
        policies: { defaults: false },
        alerts: { sinks: [{ type: 'webhook', url: `http://127.0.0.1:${receiverPort}/hooks`, secret: SECRET }, { type: 'log' }] },
      }),
    );
    cluster.serverArgs = ['--config', config];
    await cluster.start();
  });
  afterAll(async () => {
    await cluster.destroy();
    receiver.close();
  });

  it('lists the predefined environments and the configured one, and shows how each setting is enforced', async () => {
    const list = await cluster.cli('env', 'list');
    expect(list.code, list.stderr).toBe(0);
    for (const name of ['development', 'testing', 'staging', 'production', 'qa']) expect(list.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    const production = await cluster.cli('env', 'show', 'production');
    expect(production.stdout).toMatch(/strategies:\s+canary, blueGreen/);
    expect(production.stdout).toMatch(/requires success in: staging/);
    const qa = JSON.parse((await cluster.cli('env', 'show', 'qa', '-o', 'json')).stdout) as { instances: { min: number; max: number }; blockVulnerabilitiesAt: string };
    expect(qa.instances).toEqual({ min: 1, max: 2 });
    expect(qa.blockVulnerabilitiesAt).toBe('critical'); // inherited from testing
    expect((await cluster.cli('env', 'show', 'nope')).stderr).toMatch(/no environment named "nope"; known: .*production/);
  });

  it('checks everything before starting anything, and lists every failure', async () => {
    const spec = cluster.writeSpec('qa-app', helloSpec({ port, environment: 'qa', instances: 5, strategy: { rolling: {} } }));
    const result = await cluster.cli('apply', '-f', spec);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot be deployed to qa \(2 checks failed\); nothing was started/);
    expect(result.stderr).toMatch(/instances: spec.instances is 5; qa allows 1 to 2/);
    expect(result.stderr).toMatch(/strategy: strategy rolling; qa allows canary/);
    expect(cluster.processes()).toEqual([]);
    const unknown = await cluster.cli('apply', '-f', cluster.writeSpec('qa-app', helloSpec({ port, environment: 'moon' })));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/spec.environment "moon" is not an environment of this server/);
  });

  it('runs prepare hooks before instances start and rolls back when a beforeTraffic hook fails, before any user sees the new version', async () => {
    // Hooks run in the sandbox (as nobody when the server is root): they write where any user may, never in the data dir.
    const shared = mkdtempSync(join(tmpdir(), 'cutover-hooks-'));
    chmodSync(shared, 0o777);
    onTestFinished(() => rmSync(shared, { recursive: true, force: true }));
    const marker = join(shared, 'prepared');
    const trail = join(shared, 'hook-trail');
    const note = (point: string) => [{ command: ['sh', '-c', `echo "${point} $CUTOVER_REVISION" >> ${trail}`] }];
    const hooks = {
      prepare: [{ command: ['sh', '-c', `echo "$CUTOVER_SERVICE $CUTOVER_REVISION $CUTOVER_HOOK" > ${marker}`] }],
      afterPromote: note('afterPromote'),
      onRollback: note('onRollback'),
      cleanup: note('cleanup'),
    };
    const v1 = await cluster.cli('apply', '-f', cluster.writeSpec('hooked', helloSpec({ port, instances: 2, hooks })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8').trim()).toBe('hooked 1 prepare');
    await waitFor('the cleanup hook of revision 1', () => existsSync(trail) && readFileSync(trail, 'utf8').includes('cleanup 1'));
    expect(readFileSync(trail, 'utf8').trim().split('\n')).toEqual(['afterPromote 1', 'cleanup 1']);

    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 200 });
    const failing = { ...hooks, beforeTraffic: [{ command: ['sh', '-c', 'echo "smoke test failed" >&2; exit 3'], retries: 1 }] };
    const v2 = await cluster.cli('apply', '-f', cluster.writeSpec('hooked', helloSpec({ port, instances: 2, version: '2.0.0', hooks: failing, strategy: { canary: { steps: [{ setWeight: 50 }] } } })), '--wait');
    const report = await load.stop();
    expect(v2.code).toBe(1);
    const status = await cluster.status('hooked');
    expect(status.phase).toBe('RolledBack');
    expect(status.message).toMatch(/beforeTraffic hook `sh -c .*` failed after 2 attempt\(s\): exit 3: smoke test failed/);
    expect(report.byVersion['2.0.0']).toBeUndefined();
    expect(report.failed, JSON.stringify(report.failures.slice(0, 3))).toBe(0);
    await waitFor('the rollback and cleanup hooks of revision 2', () => readFileSync(trail, 'utf8').includes('cleanup 2'));
    expect(readFileSync(trail, 'utf8').trim().split('\n').slice(2)).toEqual(['onRollback 2', 'cleanup 2']);
    await cluster.cli('delete', 'hooked');
  });

  it('sends a signed webhook when a deployment rolls back, verified with the standardwebhooks package', async () => {
    const alert = await waitFor('the rolled-back alert', () => received.find((r) => r.body.includes('deployment-rolled-back')), 30_000);
    const verified = new Webhook(SECRET).verify(alert.body, alert.headers) as { type: string; data: { rule: string; service: string } };
    expect(verified.type).toBe('cutover.alert');
    expect(verified.data).toMatchObject({ rule: 'deployment-rolled-back', service: 'hooked' });
    expect(() => new Webhook(SECRET).verify(alert.body.replace('hooked', 'forged'), alert.headers)).toThrow();
    const test = await cluster.cli('alerts', 'test');
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/ok\s+webhook 127\.0\.0\.1/);
  });

  it('deploys to production only an artifact that succeeded in staging, and promote-env deploys exactly that artifact while staging keeps serving', async () => {
    const staging = await cluster.cli('apply', '-f', cluster.writeSpec('web', helloSpec({ port, instances: 1, environment: 'staging', strategy: { canary: { steps: [] } } })), '--wait');
    expect(staging.code, staging.stdout + staging.stderr).toBe(0);
    const other = await freePort();
    // The same name in production is another service, on its own port; the same files (digest) did succeed in staging.
    const direct = await cluster.cli('apply', '-f', cluster.writeSpec('web', helloSpec({ port: other, instances: 1, environment: 'production', version: '9.9.9', strategy: { canary: { steps: [] } }, run: { command: ['node', 'server.js'], env: { CHANGED: '1' } } })), '--wait');
    expect(direct.code, direct.stdout + direct.stderr).toBe(0);
    // Other files, another digest: it never ran in staging, so production refuses it, naming the digest and the environment.
    const changed = join(cluster.dataDir, 'changed-hello');
    cpSync(HELLO_DIR, changed, { recursive: true });
    writeFileSync(join(changed, 'CHANGED'), 'a file staging never saw\n');
    const refused = await cluster.cli('apply', '-f', cluster.writeSpec('web', helloSpec({ port: other, instances: 1, environment: 'production', artifact: { path: changed }, strategy: { canary: { steps: [] } } })));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/promotion: production takes only an artifact that succeeded in staging first; sha256:[0-9a-f]{12}… has not succeeded anywhere yet, never in staging/);
    const promoted = await cluster.cli('promote-env', 'web', '--from', 'staging', '--to', 'production', '--wait');
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    const production = JSON.parse((await cluster.cli('history', 'web', '--env', 'production', '-o', 'json')).stdout) as { digest: string; outcome: string }[];
    const inStaging = JSON.parse((await cluster.cli('history', 'web', '--env', 'staging', '-o', 'json')).stdout) as { digest: string; outcome: string }[];
    expect(production.map((h) => h.outcome)).toEqual(['Succeeded', 'Succeeded']);
    expect(production[1]!.digest).toBe(inStaging[0]!.digest);
    // Staging still runs what it ran, on its own port.
    expect((await cluster.status('web', 'staging')).phase).toBe('Succeeded');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect((await cluster.status('web', 'production')).stableRevision).toBe(2);
    // Without --env, a name in two environments is a question, not a guess.
    const ambiguous = await cluster.cli('status', 'web');
    expect(ambiguous.code).not.toBe(0);
    expect(ambiguous.stderr).toMatch(/service web is in 2 environments \(production, staging\); say which with --env/);
    const pipeline = await cluster.cli('pipeline', 'web');
    expect(pipeline.stdout).toMatch(/staging\s+1\.0\.0\s+1\s+sha256:[0-9a-f]{12}\s+Succeeded/);
    expect(pipeline.stdout).toMatch(/production\s+1\.0\.0\s+2\s+sha256:[0-9a-f]{12}\s+Succeeded\s.*staging,production/);
    expect((await cluster.cli('promote-env', 'web', '--from', 'testing', '--to', 'production')).stderr).toMatch(/no service named "web" in environment testing; it exists in production, staging/);
    await cluster.cli('delete', 'web', '--env', 'production');
  });

  it('keeps the artifacts of the last keepRevisions revisions and removes older ones after a deployment', async () => {
    const port2 = await freePort();
    const digests: string[] = [];
    for (const version of ['1.0.0', '2.0.0', '3.0.0']) {
      const dir = join(cluster.dataDir, `prune-${version}`);
      cpSync(HELLO_DIR, dir, { recursive: true });
      writeFileSync(join(dir, 'VERSION'), version);
      const result = await cluster.cli('apply', '-f', cluster.writeSpec('prune', helloSpec({ port: port2, instances: 1, version, environment: 'tiny', artifact: { path: dir }, strategy: { canary: { steps: [] } } })), '--wait');
      expect(result.code, result.stdout + result.stderr).toBe(0);
    }
    const history = JSON.parse((await cluster.cli('history', 'prune', '-o', 'json')).stdout) as { digest: string }[];
    digests.push(...history.map((h) => h.digest));
    const stored = () => readdirSync(join(cluster.dataDir, 'artifacts', 'sha256')).join(' ');
    await waitFor('the old artifacts to be removed', () => !stored().includes(digests[0]!) && !stored().includes(digests[1]!), 20_000);
    expect(stored()).toContain(digests[2]!);
    const rollback = await cluster.cli('rollback', 'prune');
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toMatch(/artifact of revision 2 .* is gone from the store/);
    await cluster.cli('delete', 'prune');
  });

  const metricsText = async () => {
    const response = await fetch(`${cluster.url}/metrics`, { headers: { authorization: `Bearer ${cluster.token}` } });
    expect(response.status).toBe(200);
    return response.text();
  };

  it('serves Prometheus metrics to the admin token only, counting deployments and rollbacks', async () => {
    const text = await metricsText();
    expect(text).toMatch(/cutover_deployments_total\{[^}]*outcome="Succeeded"[^}]*\} [1-9]/);
    expect(text).toMatch(/cutover_rollbacks_total\{[^}]*cause="HookFailed"[^}]*\} 1/);
    expect((await fetch(`${cluster.url}/metrics`)).status).toBe(401);
  });

  withPromtool.it('serves metrics that `promtool check metrics` accepts', async () => {
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: await metricsText(), encoding: 'utf8' });
    expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
  });

  it('has written structured JSON log lines carrying service, environment and deployment', () => {
    const lines = cluster.log().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const finished = lines.find((line) => line.msg === 'deployment succeeded');
    expect(finished).toMatchObject({ service: expect.any(String), environment: expect.any(String), deployment: expect.any(Number) });
    expect(existsSync(join(cluster.dataDir, 'cutover.db'))).toBe(true);
  });
});
