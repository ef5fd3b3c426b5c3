/**
 * `npm run bench`: per strategy, deploys hello v1 then v2 under steady load
 * through the real router and control plane, and prints requests sent and
 * failed, p50/p99 latency during the deployment, and seconds from apply to
 * Succeeded. A benchmark, not a test: it prints figures and asserts nothing.
 *
 * `--platform local,docker` (or `--platform docker`) runs the same on each
 * platform, one server each, rows side by side. docker uses the engine at
 * DOCKER_HOST when set; else, as root, it starts a private engine for the
 * run (test/support/private-engine.ts) and stops it at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ApiClient, deploySpecFile, followDeployment } from '../src/client/index.ts';
import { nodeArgsFor, Program, PROJECT_ROOT } from '../src/core/entry.ts';
import { freePort } from '../src/core/net.ts';
import { percentile, startLoad } from '../src/load/index.ts';
import { findMarked, signalGroup } from '../src/platforms/index.ts';
import { startPrivateEngine, type PrivateEngine } from '../test/support/private-engine.ts';

const RATE = Number(process.env.BENCH_RATE ?? 400);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 3);

const STRATEGIES: Record<string, unknown> = {
  rolling: { rolling: { maxSurge: 1, maxUnavailable: 0 } },
  blueGreen: { blueGreen: { autoPromote: true, scaleDownDelay: '5s' } },
  canary: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '2s' } }, { setWeight: 50 }, { pause: { duration: '2s' } }] } },
};

const PLATFORMS = ['local', 'docker'] as const;
type BenchPlatform = (typeof PLATFORMS)[number];

/** `--platform a,b` (repeatable); default local. */
function platformsFromArgs(argv: string[]): BenchPlatform[] {
  const named = argv.flatMap((arg, i) => (arg === '--platform' ? (argv[i + 1] ?? '').split(',') : arg.startsWith('--platform=') ? arg.slice(11).split(',') : []));
  for (const name of named) if (!(PLATFORMS as readonly string[]).includes(name)) throw new Error(`--platform ${name}: expected ${PLATFORMS.join(', ')}`);
  return named.length ? [...new Set(named as BenchPlatform[])] : ['local'];
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  let engine: PrivateEngine | undefined;
  try {
    for (const platform of platformsFromArgs(process.argv.slice(2))) {
      let dockerHost = process.env.DOCKER_HOST;
      if (platform === 'docker' && !dockerHost) {
        engine = await startPrivateEngine();
        dockerHost = engine.host;
      }
      rows.push(...(await runOn(platform, dockerHost)));
    }
  } finally {
    await engine?.stop();
  }
  const headers = ['platform', 'strategy', 'sent during deploy', 'failed (whole run)', 'p50 ms', 'p99 ms', 'apply→Succeeded s', 'outcome'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  process.stdout.write(`cutover deploy benchmark: ${INSTANCES} instances of examples/hello, ${RATE} requests/s, node ${process.version}\n`);
  for (const row of [headers, ...rows]) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
}

/** One server whose development environment runs on `platform`; every strategy once. */
async function runOn(platform: BenchPlatform, dockerHost: string | undefined): Promise<string[][]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutover-bench-'));
  const config = join(dataDir, 'config.yaml');
  writeFileSync(config, platform === 'docker' ? 'environments:\n  development:\n    platform: docker\n' : 'environments: {}\n');
  const apiPort = await freePort();
  const server = spawn(process.execPath, [...nodeArgsFor(Program.cli, 'dist'), 'server', '--data-dir', dataDir, '--config', config, '--port', String(apiPort), '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) },
  });
  const url = `http://127.0.0.1:${apiPort}`;
  const rows: string[][] = [];
  try {
    while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) await sleep(100);
    const client = new ApiClient({ server: url, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() });
    // Deploys a spec file and follows it to the end, quietly; resolves with its final status.
    const deploy = async (file: string) => {
      const started = await deploySpecFile(client, file);
      return followDeployment(client, { service: started.service, environment: started.status.environment }, started.deployment);
    };
    for (const [name, strategy] of Object.entries(STRATEGIES)) {
      const port = await freePort();
      const service = `bench-${name.toLowerCase()}`;
      const spec = (version: string) => {
        const file = join(dataDir, `${service}-${version}.yaml`);
        writeFileSync(file, stringify({
          apiVersion: 'cutover/v1', kind: 'Service', metadata: { name: service },
          spec: {
            version, artifact: { path: join(PROJECT_ROOT, 'examples/hello') }, run: { command: ['node', 'server.js'] },
            instances: INSTANCES, port, healthCheck: { path: '/healthz', interval: '500ms', timeout: '1s' }, strategy, drainTimeout: '10s',
          },
        }));
        return file;
      };
      await deploy(spec('1.0.0'));
      const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
      await sleep(1000);
      const before = load.snapshot();
      const started = performance.now();
      const final = await deploy(spec('2.0.0'));
      const seconds = (performance.now() - started) / 1000;
      const during = load.snapshot();
      const report = await load.stop();
      // Latency of the requests answered while the deployment ran, not before or after it.
      const window = report.timeline.filter((r) => r.ok && r.at >= before.durationMs && r.at <= during.durationMs).map((r) => r.latencyMs);
      rows.push([
        platform, name, String(during.sent - before.sent), String(report.failed), percentile(window, 50).toFixed(1), percentile(window, 99).toFixed(1),
        seconds.toFixed(1), final.phase,
      ]);
      await client.request('DELETE', `/v1/environments/development/services/${service}`);
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    for (const { pid } of findMarked({ CUTOVER_DATA_DIR: dataDir })) signalGroup(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

await main();
