/**
 * `npm run bench`: per strategy, deploys hello v1 then v2 under steady load
 * through the real router and control plane, and prints requests sent and
 * failed, p50/p99 latency during the deployment, and seconds from apply to
 * Succeeded. A benchmark, not a test: it prints figures and asserts nothing.
 *
 * `--platform local,docker` (or `--platform docker`) runs the same on each
 * platform, one server each, rows side by side. docker uses the engine at
 * DOCKER_HOST when set; else, as root, it starts a private engine for the
 * run (test/support/private-engine.ts) and stops it at the end. swarm
 * uses the swarm manager at SWARM_HOST when set; else, as root, it starts
 * a three-node swarm for the run (test/support/swarm.ts: a manager here, two
 * workers in network namespaces) and stops it at the end.
 *
 * `--router haproxy` runs each platform's strategies behind the built-in
 * router and behind HAProxy, rows side by side, at 1,000 requests/s
 * (BENCH_RATE still wins), then the bad canary once per router
 * (stable at 1% errors, the canary at 5% on 20% of the traffic, the
 * comparative judge) with the seconds from its first answered request to
 * the rollback decision and the canary's error rate the clients saw until
 * then. BENCH_BAD_CANARY_TRIALS=N runs N per router, taking turns, and
 * BENCH_ONLY_BAD_CANARY=1 skips the strategies.
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
import { startTestSwarm, type TestSwarm } from '../test/support/swarm.ts';

const routerFlag = process.argv.indexOf('--router');
const ROUTERS = routerFlag === -1 ? ['builtin'] : [...new Set(['builtin', ...(process.argv[routerFlag + 1] ?? '').split(',').filter(Boolean)])];
const RATE = Number(process.env.BENCH_RATE ?? (routerFlag === -1 ? 400 : 1000));
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 3);
/** With --router: how many bad canaries per router, taking turns (their times spread widely: the judge waits for evidence). */
const BAD_CANARY_TRIALS = Number(process.env.BENCH_BAD_CANARY_TRIALS ?? 1);
/** BENCH_ONLY_BAD_CANARY=1 skips the strategies: only the bad canaries, for the judge's times behind each router. */
const ONLY_BAD_CANARY = process.env.BENCH_ONLY_BAD_CANARY === '1';

const STRATEGIES: Record<string, unknown> = {
  rolling: { rolling: { maxSurge: 1, maxUnavailable: 0 } },
  blueGreen: { blueGreen: { autoPromote: true, scaleDownDelay: '5s' } },
  canary: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '2s' } }, { setWeight: 50 }, { pause: { duration: '2s' } }] } },
};

const PLATFORMS = ['local', 'docker', 'swarm'] as const;
type BenchPlatform = (typeof PLATFORMS)[number];

/** `--platform a,b` (repeatable); default local. */
function platformsFromArgs(argv: string[]): BenchPlatform[] {
  const named = argv.flatMap((arg, i) => (arg === '--platform' ? (argv[i + 1] ?? '').split(',') : arg.startsWith('--platform=') ? arg.slice(11).split(',') : []));
  for (const name of named) if (!(PLATFORMS as readonly string[]).includes(name)) throw new Error(`--platform ${name}: expected ${PLATFORMS.join(', ')}`);
  return named.length ? [...new Set(named as BenchPlatform[])] : ['local'];
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  const rollbacks: string[][] = [];
  let engine: PrivateEngine | undefined;
  let swarm: TestSwarm | undefined;
  try {
    for (const platform of platformsFromArgs(process.argv.slice(2))) {
      let dockerHost = platform === 'swarm' ? process.env.SWARM_HOST : process.env.DOCKER_HOST;
      if (platform === 'docker' && !dockerHost) {
        engine = await startPrivateEngine();
        dockerHost = engine.host;
      }
      if (platform === 'swarm' && !dockerHost) {
        swarm = await startTestSwarm();
        console.error(`a three-node swarm started in ${(swarm.setupMs / 1000).toFixed(1)} s`);
        dockerHost = swarm.manager.host;
      }
      const ran = await runOn(platform, dockerHost);
      rows.push(...ran.rows);
      rollbacks.push(...ran.rollbacks);
    }
  } finally {
    await engine?.stop();
    await swarm?.stop();
  }
  const headers = ['platform', 'router', 'strategy', 'sent during deploy', 'failed (whole run)', 'p50 ms', 'p99 ms', 'apply→Succeeded s', 'outcome'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  process.stdout.write(`cutover deploy benchmark: ${INSTANCES} instances of examples/hello, ${RATE} requests/s, node ${process.version}\n`);
  for (const row of [headers, ...rows]) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
  if (rollbacks.length === 0) return;
  const badHeaders = ['platform', 'router', 'first canary answer → rollback decided s', 'canary errors clients saw until then', 'apply→RolledBack s', 'failed (not the canary\'s own 500s)', 'outcome'];
  const badWidths = badHeaders.map((h, i) => Math.max(h.length, ...rollbacks.map((r) => r[i]!.length)));
  process.stdout.write(`\nbad canary: stable 1% errors, canary 5% on 20% of ${RATE} requests/s, comparative judge\n`);
  for (const row of [badHeaders, ...rollbacks]) process.stdout.write(`${row.map((c, i) => c.padEnd(badWidths[i]!)).join('  ')}\n`);
}

type Deploy = (file: string) => Promise<{ phase: string }>;

function writeSpec(dataDir: string, service: string, port: number, version: string, strategy: unknown, router: string, env: Record<string, string> = {}): string {
  const file = join(dataDir, `${service}-${version}.yaml`);
  writeFileSync(file, stringify({
    apiVersion: 'cutover/v1', kind: 'Service', metadata: { name: service },
    spec: {
      version, artifact: { path: join(PROJECT_ROOT, 'examples/hello') }, run: { command: ['node', 'server.js'], env },
      instances: INSTANCES, port, healthCheck: { path: '/healthz', interval: '500ms', timeout: '1s' }, strategy, drainTimeout: '10s',
      traffic: { router },
    },
  }));
  return file;
}

/** The bad canary behind one router: seconds from the canary's first answered request to the EndRequested event. */
async function badCanary(client: ApiClient, deploy: Deploy, dataDir: string, router: string): Promise<string[]> {
  const port = await freePort();
  const service = `bench-judge-${router}`;
  const strategy = { canary: { analysis: { metrics: [{ name: 'judge', provider: { compare: {} } }] }, steps: [{ setWeight: 20 }, { pause: { duration: '60s' } }] } };
  await deploy(writeSpec(dataDir, service, port, '1.0.0', strategy, router, { ERROR_RATE: '0.01' }));
  const since = (await client.request<{ last: number }>('GET', `/v1/events?after=${Number.MAX_SAFE_INTEGER}`)).last;
  const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
  await sleep(1000);
  const started = performance.now();
  const final = await deploy(writeSpec(dataDir, service, port, '2.0.0', strategy, router, { ERROR_RATE: '0.05' }));
  const seconds = (performance.now() - started) / 1000;
  const report = await load.stop();
  const { events } = await client.request<{ events: { type: string; at: number }[] }>('GET', `/v1/events?service=${service}&after=${since}`);
  const decided = events.find((event) => event.type === 'EndRequested');
  const first = report.timeline.find((response) => response.version === '2.0.0');
  const toDecision = decided && first ? ((decided.at - (report.startedAt + first.at)) / 1000).toFixed(1) : 'n/a';
  // How bad this canary happened to be: 5% is its rate, not what a few hundred answers show; the judge waits for evidence.
  const canaryAnswers = report.timeline.filter((response) => response.version === '2.0.0' && (!decided || report.startedAt + response.at <= decided.at));
  const realized = canaryAnswers.length ? `${((100 * canaryAnswers.filter((response) => !response.ok).length) / canaryAnswers.length).toFixed(1)}% of ${canaryAnswers.length}` : 'n/a';
  const foreign = report.failures.filter((failure) => failure.status !== 500 || !failure.body?.includes('injected failure')).length;
  await client.request('DELETE', `/v1/environments/development/services/${service}`);
  return [router, toDecision, realized, seconds.toFixed(1), String(foreign), final.phase];
}

/** One server whose development environment runs on `platform`; every strategy once. */
async function runOn(platform: BenchPlatform, dockerHost: string | undefined): Promise<{ rows: string[][]; rollbacks: string[][] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutover-bench-'));
  const config = join(dataDir, 'config.yaml');
  writeFileSync(config, platform === 'local' ? 'environments: {}\n' : `environments:\n  development:\n    platform: ${platform}\n`);
  const apiPort = await freePort();
  const server = spawn(process.execPath, [...nodeArgsFor(Program.cli, 'dist'), 'server', '--data-dir', dataDir, '--config', config, '--port', String(apiPort), '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) },
  });
  const url = `http://127.0.0.1:${apiPort}`;
  const rows: string[][] = [];
  const rollbacks: string[][] = [];
  try {
    while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) await sleep(100);
    const client = new ApiClient({ server: url, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() });
    // Deploys a spec file and follows it to the end, quietly; resolves with its final status.
    const deploy = async (file: string) => {
      const started = await deploySpecFile(client, file);
      return followDeployment(client, { service: started.service, environment: started.status.environment }, started.deployment);
    };
    for (const router of ONLY_BAD_CANARY ? [] : ROUTERS) {
      for (const [name, strategy] of Object.entries(STRATEGIES)) {
        const port = await freePort();
        const service = `bench-${name.toLowerCase()}-${router}`;
        const spec = (version: string) => writeSpec(dataDir, service, port, version, strategy, router);
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
          platform, router, name, String(during.sent - before.sent), String(report.failed), percentile(window, 50).toFixed(1), percentile(window, 99).toFixed(1),
          seconds.toFixed(1), final.phase,
        ]);
        await client.request('DELETE', `/v1/environments/development/services/${service}`);
      }
    }
    if (routerFlag !== -1) {
      for (let trial = 0; trial < BAD_CANARY_TRIALS; trial++) for (const router of ROUTERS) rollbacks.push([platform, ...(await badCanary(client, deploy, dataDir, router))]);
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    for (const { pid } of findMarked({ CUTOVER_DATA_DIR: dataDir })) signalGroup(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    // The server unpacks revisions beside its data dir (`<data-dir>-revisions`, outside it on purpose: server.ts).
    rmSync(`${dataDir}-revisions`, { recursive: true, force: true });
  }
  return { rows, rollbacks };
}

await main();
