import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusView } from '../src/api/views.ts';
import type { ApplyPlan } from '../src/engine/preview.ts';
import { freePort } from '../src/core/net.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * The commands that steer a deployment through the server: plan, pause,
 * promote --full, retry and restart, each through the real CLI, a real
 * server, real routers and instances. Exit codes: 0 done; 1 refused or not
 * succeeded (plan: a gate would refuse the apply); 2 usage.
 */
const RATE = 150;
const SERVICE = 'hello-steer';
const CANARY = { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] } };

describe('plan, pause, promote --full, retry and restart', () => {
  const cluster = new Cluster();
  let port = 0;
  const spec = (version: string, extra: Record<string, unknown> = {}) => cluster.writeSpec(SERVICE, helloSpec({ version, port, instances: 2, strategy: CANARY, ...extra }));
  const status = () => cluster.status(SERVICE, 'development');
  const types = async (deployment: number) => {
    const { body } = await cluster.api<{ events: { deployment: number | null; type: string }[] }>('GET', `/v1/events?service=${SERVICE}`);
    return body.events.filter((e) => e.deployment === deployment).map((e) => e.type);
  };

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  it('plans a new service, then a change, without changing anything; exit 1 when a gate would refuse it', async () => {
    const first = await cluster.cli('plan', '-f', spec('1.0.0'));
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain(`${SERVICE} (development): new service, revision 1 (version 1.0.0)`);
    expect(first.stdout).toMatch(/scale canary to 2\s+new 0%/);
    expect(first.stdout).toContain('An apply now would start');
    expect((await cluster.api<{ services: unknown[] }>('GET', '/v1/services')).body.services).toEqual([]);

    const applied = await cluster.cli('apply', '-f', spec('1.0.0'), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    const changed = spec('2.0.0', { run: { command: ['node', 'server.js'], env: { GREETING: 'hi' } } });
    const json = await cluster.cli('plan', '-f', changed, '-o', 'json');
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as ApplyPlan;
    expect(plan.current).toMatchObject({ revision: 1, version: '1.0.0', instances: 2 });
    expect(plan.next).toMatchObject({ revision: 2, version: '2.0.0', artifactChanged: false, artifactKnown: true });
    expect(plan.changes).toEqual(expect.arrayContaining([{ path: 'version', change: 'changed', from: '1.0.0', to: '2.0.0' }, { path: 'run.env.GREETING', change: 'added', to: 'hi' }]));
    expect(plan.steps.map((s) => [s.description, s.weights.new])).toEqual([
      ['scale canary to 1', 0],
      ['set weight 20%', 20],
      ['pause until promoted', 20],
      ['scale canary to 2', 20],
      ['set weight 50%', 50],
      ['pause until promoted', 50],
      ['set weight 100%', 100],
      ['promote', 100],
      ['retire old revision', 100],
    ]);
    expect(plan.gates.map((g) => g.gate)).toEqual(expect.arrayContaining(['instances', 'strategy', 'port', 'disk']));
    expect(plan.wouldStart).toBe(true);
    const text = await cluster.cli('plan', '-f', changed);
    expect(text.stdout).toContain('~ version: "1.0.0" -> "2.0.0"');
    expect(text.stdout).toContain('+ run.env.GREETING: "hi"');

    expect((await cluster.cli('lock', 'acquire', SERVICE, '--env', 'development', '-m', 'migration')).code).toBe(0);
    const locked = await cluster.cli('plan', '-f', changed);
    expect(locked.code).toBe(1);
    expect(locked.stdout).toMatch(/FAIL\s+lock: locked by admin/);
    expect(locked.stdout).toContain('An apply now would be refused by: lock');
    expect((await cluster.cli('lock', 'release', SERVICE, '--env', 'development')).code).toBe(0);
    expect((await status()).revision).toBe(1);
  });

  it('pauses a deployment at its current step, keeps it paused across a server crash, and promote resumes it', async () => {
    const started = await cluster.cli('apply', '-f', spec('2.0.0', { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '8s' } }, { setWeight: 50 }] } } }));
    expect(started.code, started.stderr).toBe(0);
    await waitFor('the canary at 20%', async () => Object.values((await status()).weights).includes(20));
    const paused = await cluster.cli('pause', SERVICE);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/Paused: paused by admin at step \d+\/\d+/);
    const at = (await status()).step.index;
    // Longer than the 8 s pause step: a paused deployment does not move past its current step.
    await new Promise((resolve) => setTimeout(resolve, 9000));
    expect((await status()).phase).toBe('Paused');
    expect((await status()).step.index).toBeLessThanOrEqual(at + 1);
    expect(Object.values((await status()).weights)).toContain(20);

    await cluster.stopServer('SIGKILL');
    await cluster.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await status();
    expect(after.phase).toBe('Paused');
    expect(Object.values(after.weights)).toContain(20);

    const resumed = await cluster.cli('promote', SERVICE, '--wait');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const done = await status();
    expect(done.phase).toBe('Succeeded');
    expect(await types(done.deployment.id)).toEqual(expect.arrayContaining(['PauseRequested', 'Resumed', 'Finished']));
  });

  it('promote --full goes to 100% past every pause, under load without one failed request', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    try {
      const started = await cluster.cli('apply', '-f', spec('3.0.0'));
      expect(started.code, started.stderr).toBe(0);
      await waitFor('the first pause', async () => (await status()).phase === 'Paused');
      const full = await cluster.cli('promote', SERVICE, '--full', '--wait');
      expect(full.code, full.stdout + full.stderr).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      const report = await load.stop();
      expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
      expect(lastVersions(report, 800)).toEqual({ '3.0.0': expect.any(Number) });
    }
    const done = await status();
    expect(done.phase).toBe('Succeeded');
    expect(await types(done.deployment.id)).toContain('FullPromotionRequested');
  });

  it('retries an aborted deployment through the checks of an apply', async () => {
    expect((await cluster.cli('retry', SERVICE)).code).toBe(1); // the latest deployment succeeded
    expect((await cluster.cli('apply', '-f', spec('4.0.0'))).code).toBe(0);
    await waitFor('the first pause', async () => (await status()).phase === 'Paused');
    const aborted = await cluster.cli('abort', SERVICE, '--wait');
    expect(aborted.code, aborted.stderr).toBe(0);
    const abortedStatus = await status();
    expect(abortedStatus.phase).toBe('Aborted');

    expect((await cluster.cli('lock', 'acquire', SERVICE, '-m', 'freeze')).code).toBe(0);
    const refused = await cluster.cli('retry', SERVICE);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is locked by admin');
    expect((await cluster.cli('lock', 'release', SERVICE)).code).toBe(0);

    const retried = await cluster.cli('retry', SERVICE);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`retrying revision ${abortedStatus.revision} (version 4.0.0`);
    await waitFor('the retry to pause', async () => (await status()).phase === 'Paused');
    const retry = await status();
    expect(retry.deployment.kind).toBe('retry');
    expect(retry.revision).toBe(abortedStatus.revision);
    expect((await cluster.cli('promote', SERVICE, '--full', '--wait')).code).toBe(0);
    expect((await status()).version).toBe('4.0.0');
  });

  it('restarts every instance one at a time under load without one failed request', async () => {
    const before = (await status()).instances.map((i) => i.id);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    let restarted;
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      restarted = await cluster.cli('restart', SERVICE, '--wait');
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      const report = await load.stop();
      expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
      expect(report.sent).toBeGreaterThan(RATE);
    }
    expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0);
    const after: StatusView = await status();
    expect(after.phase).toBe('Succeeded');
    expect(after.deployment.kind).toBe('restart');
    expect(after.version).toBe('4.0.0');
    expect(after.instances).toHaveLength(2);
    for (const id of after.instances.map((i) => i.id)) expect(before).not.toContain(id);
    expect(Object.values(after.weights)).toEqual([100]);
  });
});
