/**
 * `npm run soak [-- --minutes M --rate R --workers W]`: deploys one service
 * back and forth (1.0.0 ↔ 2.0.0, the strategy rotating: rolling, blueGreen,
 * canary) for M minutes (default 30) under paced load, and prints the
 * resident memory, open file descriptors (/proc/PID/fd) and event-loop delay
 * (each process's /metrics: nodejs_eventloop_lag_p99_seconds) of the server
 * and the router (its supervisor and each worker) after the first deployment
 * and at the end, with the deployments done and the requests failed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/net.ts';
import { startLoad } from '../src/load/index.ts';
import { findMarked } from '../src/platforms/index.ts';
import { parentOf } from '../src/platforms/local/proc.ts';
import { CHAOS_STRATEGIES } from '../test/support/chaos.ts';
import { Cluster, helloSpec, waitFor } from '../test/support/cluster.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, rate: { type: 'string', default: '200' }, workers: { type: 'string', default: process.env.CUTOVER_ROUTER_WORKERS ?? '2' } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const workers = Number(values.workers);
if (!(minutes > 0) || !(rate > 0) || !Number.isInteger(workers) || workers < 1) {
  process.stderr.write('soak: --minutes and --rate must be positive numbers, --workers a whole number ≥ 1\n');
  process.exit(2);
}

interface Figures {
  rssMb: number;
  fds: number;
  loopP99Ms: number | null;
}

function procFigures(pid: number): Omit<Figures, 'loopP99Ms'> {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { rssMb: rss ? Number(rss[1]) / 1024 : NaN, fds: readdirSync(`/proc/${pid}/fd`).length };
}

async function loopP99Ms(url: string, token: string): Promise<number | null> {
  const text = await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).text();
  const match = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([\d.e+-]+)$/m.exec(text);
  return match ? Number(match[1]) * 1000 : null;
}

const cluster = new Cluster();
process.env.CUTOVER_ROUTER_WORKERS = String(workers);
const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();
const port = await freePort();
const strategies = Object.keys(CHAOS_STRATEGIES);

/** Figures of the server, the router supervisor and its workers. */
async function measure(): Promise<Record<string, Figures>> {
  const status = await cluster.status('soak');
  const metricsToken = readFileSync(join(cluster.dataDir, 'metrics-token'), 'utf8').trim();
  const figures: Record<string, Figures> = {};
  // Two scrapes: the first starts (or resets) the delay histograms, the second reads a fresh 2 s.
  await loopP99Ms(`${cluster.url}/metrics`, metricsToken);
  if (status.router) await loopP99Ms(`http://127.0.0.1:${status.router.adminPort}/metrics`, metricsToken);
  await sleep(2_000);
  figures.server = { ...procFigures(cluster.server!.pid!), loopP99Ms: await loopP99Ms(`${cluster.url}/metrics`, metricsToken) };
  if (status.router?.pid) {
    figures.router = { ...procFigures(status.router.pid), loopP99Ms: await loopP99Ms(`http://127.0.0.1:${status.router.adminPort}/metrics`, metricsToken) };
    const children = findMarked({ CUTOVER_ROUTER_WORKER: '1' }).filter((p) => parentOf(p.pid) === status.router!.pid);
    children.forEach((child, i) => (figures[`router worker ${i + 1}`] = { ...procFigures(child.pid), loopP99Ms: null }));
  }
  return figures;
}

let deployments = 0;
const outcomes: Record<string, number> = {};
async function deploy(version: string, strategy: string): Promise<void> {
  const spec = helloSpec({ port, version, instances: 3, strategy: CHAOS_STRATEGIES[strategy], drainTimeout: '2s' });
  const applied = await cluster.cli('apply', '-f', cluster.writeSpec('soak', spec, `soak-${version}.yaml`), '--wait');
  const status = await waitFor('the deployment to end', async () => {
    const s = await cluster.status('soak');
    return ['Succeeded', 'RolledBack', 'Aborted', 'Failed'].includes(s.phase) ? s : null;
  }, 300_000);
  if (applied.code !== 0 && status.phase === 'Succeeded') throw new Error(`apply of ${version} failed: ${applied.stderr}`);
  deployments++;
  outcomes[status.phase] = (outcomes[status.phase] ?? 0) + 1;
}

process.stdout.write(`cutover soak: ${minutes} min, ${rate} requests/s, 3 instances of examples/hello, router workers ${workers}, node ${process.version}\nload at start: ${uptime()}\n`);
try {
  await cluster.start();
  await deploy('1.0.0', 'rolling');
  const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: rate });
  const before = await measure();
  const deadline = Date.now() + minutes * 60_000;
  for (let i = 0; Date.now() < deadline; i++) await deploy(i % 2 === 0 ? '2.0.0' : '1.0.0', strategies[i % strategies.length]!);
  const after = await measure();
  const report = await load.stop();
  process.stdout.write(`load at end: ${uptime()}\n`);
  process.stdout.write(`deployments: ${deployments} (${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}); requests: ${report.sent} sent, ${report.failed} failed${report.failed ? ` ${JSON.stringify(report.failedBy)}` : ''}\n`);
  process.stdout.write(`${'process'.padEnd(16)} ${'RSS MB start → end'.padEnd(22)} ${'fds start → end'.padEnd(17)} event-loop p99 ms start → end\n`);
  for (const name of Object.keys(after)) {
    const [a, b] = [before[name], after[name]!];
    const loop = (f?: Figures) => (f?.loopP99Ms == null ? '-' : f.loopP99Ms.toFixed(1));
    process.stdout.write(`${name.padEnd(16)} ${`${a ? a.rssMb.toFixed(1) : '-'} → ${b.rssMb.toFixed(1)}`.padEnd(22)} ${`${a?.fds ?? '-'} → ${b.fds}`.padEnd(17)} ${loop(a)} → ${loop(b)}\n`);
  }
} finally {
  await cluster.destroy();
}
