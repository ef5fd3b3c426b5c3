import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { StatusView } from '../api/views.ts';
import { deploySpecFile, followDeployment, servicePath, terminalProgress } from '../client/index.ts';
import { PROJECT_ROOT } from '../core/entry.ts';
import { freePort } from '../core/net.ts';
import { startLoad, type LoadReport } from '../load/index.ts';
import { narrate, withDemoServer } from './demo-server.ts';

/** The demo's service: hello in development. */
const HELLO = { service: 'hello', environment: 'development' } as const;

type Phase = StatusView['phase'];

interface Chapter {
  label: string;
  title: string;
  expected: 'Succeeded' | 'RolledBack';
  outcome: Phase;
  sent: number;
  failed: number;
}

/**
 * `npm run demo`: a server in a temporary data dir, hello v1, a canary to
 * v2, then a v3 that fails its health check and is rolled back by itself,
 * all under steady traffic. Leaves no process or file behind.
 */
export async function runDemo(options: { rate: number }): Promise<number> {
  return withDemoServer(async ({ dataDir, client }) => {
    const appPort = await freePort();
    const spec = (version: string, env: Record<string, string> = {}, judged = false) => {
      const file = join(dataDir, `hello-${version}.yaml`);
      writeFileSync(
        file,
        stringify({
          apiVersion: 'cutover/v1',
          kind: 'Service',
          metadata: { name: 'hello' },
          spec: {
            environment: 'development',
            version,
            artifact: { path: join(PROJECT_ROOT, 'examples/hello') },
            run: { command: ['node', 'server.js'], env },
            instances: 3,
            port: appPort,
            healthCheck: { path: '/healthz', interval: '500ms', timeout: '1s', startupTimeout: '8s' },
            strategy: {
              canary: {
                ...(judged ? { analysis: { metrics: [{ name: 'judge', provider: { compare: {} } }] } } : {}),
                steps: [{ setWeight: 20 }, { pause: { duration: judged ? '30s' : '3s' } }, { setWeight: 50 }, { pause: { duration: '3s' } }],
              },
            },
            drainTimeout: '10s',
          },
        }),
      );
      return file;
    };

    /** Deploys a spec file and follows it as `cutover apply --wait` does; resolves with the phase it ended in. */
    const deploy = async (file: string): Promise<Phase> => {
      const started = await deploySpecFile(client, file);
      process.stdout.write(`${started.service}: deployment ${started.deployment} started: revision ${started.revision} (version ${started.version}, artifact sha256:${started.artifact.digest.slice(0, 12)}, ${started.status.deployment.strategy})\n`);
      const final = await followDeployment(client, { service: started.service, environment: started.status.environment }, started.deployment, terminalProgress());
      process.stdout.write(`${started.service}: ${final.phase}: ${final.message}\n`);
      return final.phase;
    };

    narrate('Deploying hello 1.0.0: three instances behind cutover\'s own router');
    const first = await deploy(spec('1.0.0'));
    if (first !== 'Succeeded') throw new Error(`hello 1.0.0 did not deploy: it ended ${first}`);

    narrate(`Sending ${options.rate} requests/s to http://127.0.0.1:${appPort}/ from now on`);
    const load = startLoad({ url: `http://127.0.0.1:${appPort}/`, ratePerSecond: options.rate });
    const chapters: Chapter[] = [];
    let before: LoadReport = load.snapshot();
    const chapter = async (label: string, title: string, expected: Chapter['expected'], file: string) => {
      narrate(title);
      const outcome = await deploy(file);
      await sleep(500);
      const now = load.snapshot();
      chapters.push({ label, title, expected, outcome, sent: now.sent - before.sent, failed: now.failed - before.failed });
      before = now;
    };
    await sleep(1000);
    await chapter('canary to 2.0.0', 'Canary to hello 2.0.0: 20% for 3s, 50% for 3s, then everything', 'Succeeded', spec('2.0.0'));
    await chapter('3.0.0, health check fails', 'Deploying hello 3.0.0, which fails its health check (FAIL_HEALTH=1): cutover rolls it back by itself', 'RolledBack', spec('3.0.0', { FAIL_HEALTH: '1' }));
    await chapter(
      '4.0.0, 5% errors, judged',
      'Deploying hello 4.0.0, healthy but answering 5% of requests with 500: the comparative judge compares it with 2.0.0 request by request and rolls it back in seconds',
      'RolledBack',
      spec('4.0.0', { ERROR_RATE: '0.05' }, true),
    );
    const report = await load.stop();
    const ownErrors = report.timeline.filter((r) => r.status === 500 && r.version === '4.0.0').length;

    narrate('History');
    const history = await client.request<{ history: { revision: number; version: string; outcome: string; message: string }[] }>('GET', servicePath(HELLO, '/history'));
    for (const entry of history.history) process.stdout.write(`  revision ${entry.revision}  ${entry.version.padEnd(6)} ${entry.outcome.padEnd(10)} ${entry.message.slice(0, 110)}\n`);

    narrate('Summary');
    for (const c of chapters) {
      process.stdout.write(`  ${c.label.padEnd(26)} ${c.outcome === c.expected ? '✓' : '✗'} ${c.outcome.padEnd(10)} ${c.sent} requests, ${c.failed} failed\n`);
    }
    const otherFailures = report.failed - ownErrors;
    process.stdout.write(
      `  requests sent: ${report.sent}; failed: ${otherFailures} (plus ${ownErrors} answered 500 by 4.0.0 itself before the judge rolled it back)\n` +
        `  latency p50 ${report.latencyMs.p50.toFixed(1)}ms p99 ${report.latencyMs.p99.toFixed(1)}ms\n` +
        `  answered by version: ${Object.entries(report.byVersion).map(([v, n]) => `${v}=${n}`).join(', ')}\n`,
    );
    const ok = otherFailures === 0 && chapters.every((c) => c.outcome === c.expected);
    narrate(ok ? 'Done: no request failed because of a deployment; both bad releases were rolled back by themselves.' : 'The demo did not go as expected (see above).');
    await client.request('DELETE', servicePath(HELLO));
    return ok ? 0 : 1;
  });
}
