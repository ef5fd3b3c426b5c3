import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../src/api/views.ts';
import { freePort } from '../src/core/net.ts';
import { isProcessAlive } from '../src/platforms/index.ts';
import { lastVersions, startLoad } from '../src/load/index.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * Supersede: an apply while a deployment of the same service is in flight
 * aborts that one (traffic back to stable, its instances drained) and starts
 * from stable. Through a real server, real routers, real instances and the
 * real CLI, under >= 300 requests/s.
 */
const RATE = 320;
const LONG = 60_000;
/** A canary that stops at 30% until promoted: the deployment a newer apply finds in flight. */
const PAUSED_AT_30 = { canary: { steps: [{ setWeight: 30 }, { pause: {} }] } };

describe('a newer apply supersedes the deployment in flight', () => {
  const cluster = new Cluster();
  let port = 0;
  let stagingPort = 0;

  beforeAll(async () => {
    [port, stagingPort] = [await freePort(), await freePort()];
    const config = join(cluster.dataDir, 'config.yaml');
    // Staging waits for an approver: the approval wait a newer apply supersedes.
    writeFileSync(config, stringify({ environments: { staging: { instances: { min: 1 }, approvalRequired: true } }, policies: { defaults: false } }));
    cluster.serverArgs = ['--config', config];
    await cluster.start();
  });
  afterAll(() => cluster.destroy());

  const spec = (version: string, overrides: Record<string, unknown> = {}) => cluster.writeSpec('hello', helloSpec({ version, port, instances: 2, strategy: PAUSED_AT_30, ...overrides }));
  const history = async (environment = 'development') =>
    (await cluster.api<{ history: HistoryEntry[] }>('GET', `/v1/environments/${environment}/services/hello/history`)).body.history;

  it('a canary paused at 30% is superseded by a newer version under load: 0 failed requests, its instances gone, the newer one Succeeded', async () => {
    const first = await cluster.cli('apply', '-f', spec('1.0.0'), '--wait');
    expect(first.code, first.stdout + first.stderr + cluster.log()).toBe(0);

    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    const began = performance.now();
    const moments: string[] = [];
    const mark = (what: string) => moments.push(`${what} at ${Math.round(performance.now() - began)} ms`);
    try {
      const second = await cluster.cli('apply', '-f', spec('2.0.0'));
      expect(second.code, second.stdout + second.stderr).toBe(0);
      const paused = await waitFor('2.0.0 to pause at 30%', async () => {
        const status = await cluster.status('hello', 'development');
        return status.phase === 'Paused' && status.weights[String(status.revision)] === 30 ? status : null;
      }, LONG);
      const canary = paused.instances.filter((i) => i.revision === paused.revision);
      expect(canary.length).toBeGreaterThan(0);

      mark('3.0.0 applied');
      const third = await cluster.cli('apply', '-f', spec('3.0.0', { strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '1s' } }] } } }), '--wait');
      expect(third.code, third.stdout + third.stderr + cluster.log()).toBe(0);
      expect(third.stdout).toMatch(new RegExp(`supersedes deployment ${paused.deployment.id}\\b`));
      mark('3.0.0 succeeded');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const report = await load.stop();

      expect(report.failed, `${JSON.stringify(report.failures.slice(0, 5))}; ${moments.join(', ')}`).toBe(0);
      expect(report.sent / (report.durationMs / 1000)).toBeGreaterThanOrEqual(RATE * 0.9);
      expect(report.byVersion['2.0.0']).toBeGreaterThan(0);
      expect(lastVersions(report, 1000)).toEqual({ '3.0.0': expect.any(Number) });

      const status = await cluster.status('hello', 'development');
      expect(status.phase).toBe('Succeeded');
      expect(status.version).toBe('3.0.0');
      expect(status.deployment.supersedes).toBe(paused.deployment.id);
      expect(status.instances.map((i) => i.revision)).not.toContain(paused.revision);
      // No process of the superseded canary is left.
      for (const instance of canary) expect(isProcessAlive(instance.pid!), `${instance.id} (pid ${instance.pid}) still runs`).toBe(false);
      expect(cluster.processes().filter((p) => canary.some((i) => i.id === p.instance))).toEqual([]);

      const superseded = (await history()).find((entry) => entry.deployment === paused.deployment.id)!;
      expect(superseded).toMatchObject({ outcome: 'Superseded', revision: paused.revision, supersededBy: status.deployment.id });
      expect(superseded.message).toMatch(/^superseded: superseded by deployment \d+ \(revision \d+, version 3\.0\.0\) of admin; revision \d+ serves all traffic$/);
      const cli = await cluster.cli('history', 'hello', '--env', 'development');
      expect(cli.stdout).toContain('Superseded');
      // The event says who superseded what.
      const { body } = await cluster.api<{ events: { deployment: number | null; type: string; data: Record<string, unknown> }[] }>('GET', '/v1/events?service=hello&environment=development');
      expect(body.events.find((e) => e.deployment === paused.deployment.id && e.type === 'EndRequested')?.data).toMatchObject({ phase: 'Superseded', by: 'admin', supersededBy: status.deployment.id });
    } finally {
      await load.stop();
    }
  }, 180_000);

  it('an approval wait is superseded, and the newer revision waits for approval too', async () => {
    const file = (version: string) => cluster.writeSpec('hello', helloSpec({ version, port: stagingPort, environment: 'staging', instances: 1 }));
    const first = await cluster.cli('apply', '-f', file('1.0.0'));
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const waiting = await waitFor('1.0.0 to wait for approval', async () => {
      const status = await cluster.status('hello', 'staging');
      return status.phase === 'AwaitingApproval' ? status : null;
    }, LONG);

    const second = await cluster.cli('apply', '-f', file('1.1.0'));
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const next = await waitFor('1.1.0 to wait for approval', async () => {
      const status = await cluster.status('hello', 'staging');
      return status.phase === 'AwaitingApproval' && status.version === '1.1.0' ? status : null;
    }, LONG);
    expect(next.deployment.supersedes).toBe(waiting.deployment.id);
    const superseded = (await history('staging')).find((entry) => entry.deployment === waiting.deployment.id)!;
    expect(superseded).toMatchObject({ outcome: 'Superseded', supersededBy: next.deployment.id });
    // Development is another service: untouched.
    expect((await cluster.status('hello', 'development'))).toMatchObject({ version: '3.0.0', phase: 'Succeeded' });
  }, 120_000);

  it('--no-supersede gets 409 naming the running deployment and the flag; without it, a server SIGKILLed right after the supersede converges on restart with no failed request', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    try {
      const started = await cluster.cli('apply', '-f', spec('6.0.0'));
      expect(started.code, started.stdout + started.stderr).toBe(0);
      const paused = await waitFor('6.0.0 to pause at 30%', async () => {
        const status = await cluster.status('hello', 'development');
        return status.phase === 'Paused' && status.version === '6.0.0' ? status : null;
      }, LONG);
      const canary = paused.instances.filter((i) => i.revision === paused.revision);

      const refused = await cluster.cli('apply', '-f', spec('7.0.0'), '--no-supersede');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`deployment ${paused.deployment.id} of hello \\(development\\) \\(revision ${paused.revision}, version 6\\.0\\.0, by admin\\) is Paused; --no-supersede was given`));
      expect(refused.stderr).toContain('apply without --no-supersede to replace it');
      // A spec that says supersede: false is refused the same way, naming the setting.
      const bySpec = await cluster.cli('apply', '-f', spec('7.0.0', { supersede: false }));
      expect(bySpec.code).toBe(1);
      expect(bySpec.stderr).toContain('the applied spec says supersede: false');
      const badFlag = await cluster.api('POST', '/v1/apply', { spec: {}, artifact: { digest: 'x' }, supersede: 'no' });
      expect(badFlag.status).toBe(400);
      expect(await cluster.status('hello', 'development')).toMatchObject({ phase: 'Paused', version: '6.0.0', deployment: { id: paused.deployment.id } });

      const newer = await cluster.cli('apply', '-f', spec('7.0.0', { strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '1s' } }] } } }));
      expect(newer.code, newer.stdout + newer.stderr).toBe(0);
      // Killed while the older one is still going back to stable (or just after): the newer deployment and the older one's ending are both persisted.
      await cluster.stopServer('SIGKILL');
      await cluster.start();

      const done = await waitFor('7.0.0 to succeed after the restart', async () => {
        const status = await cluster.status('hello', 'development');
        return status.version === '7.0.0' && status.phase !== 'Progressing' && status.phase !== 'Paused' ? status : null;
      }, LONG);
      expect(done.phase, cluster.log().slice(-3000)).toBe('Succeeded');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const report = await load.stop();
      expect(report.failed, JSON.stringify(report.failures.slice(0, 5))).toBe(0);
      expect(lastVersions(report, 800)).toEqual({ '7.0.0': expect.any(Number) });
      expect((await history()).find((entry) => entry.deployment === paused.deployment.id)).toMatchObject({ outcome: 'Superseded' });
      await waitFor('the superseded canary to be gone', () => canary.every((i) => !isProcessAlive(i.pid!)), 30_000);
    } finally {
      await load.stop();
    }
  }, 180_000);
});
