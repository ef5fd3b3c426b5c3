/**
 * Requests lost per SIGKILL of the data plane (issue 12, finding 4), with
 * the control plane up and with it SIGKILLed: a router of the service's own
 * (CUTOVER_ROUTER_LAYOUT=per-service) as one process (`CUTOVER_ROUTER_WORKERS=1`,
 * restarted by the control plane's supervision) and as a supervisor and 2
 * workers, and the default layout, one router host for every service of the
 * data dir (a supervisor and 2 workers). With workers, a dead worker is
 * replaced by the supervisor; a dead supervisor's workers go on serving and
 * start a new router that takes over. Prints one row per (layout, victim,
 * control plane); run it small on a loaded machine and say the load beside it.
 *
 *   npm run bench:router-kill -- [--kills 5] [--rate 200]
 */
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/net.ts';
import { startLoad, type LoadRun } from '../src/load/index.ts';
import { findMarked, isProcessAlive } from '../src/platforms/index.ts';
import { parentOf } from '../src/platforms/local/proc.ts';
import { Cluster, helloSpec, waitFor } from '../test/support/cluster.ts';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '5' }, rate: { type: 'string', default: '200' } } });
const KILLS = Number(values.kills);
const RATE = Number(values.rate);

interface Row {
  layout: string;
  victim: 'router' | 'worker' | 'supervisor';
  controlPlane: 'up' | 'down';
  kills: number;
  failedPerKill: number[];
  note: string;
}

/** The router's outer process (the supervisor, or the router itself) and its workers (none when it is one process). */
function layoutOf(cluster: Cluster): { router: number | undefined; workers: number[] } {
  const routers = cluster.processes().filter((p) => p.router && isProcessAlive(p.pid)).map((p) => p.pid);
  const workers = findMarked({ CUTOVER_ROUTER_WORKER: '1' }).filter((p) => routers.includes(parentOf(p.pid) ?? -1)).map((p) => p.pid);
  return { router: routers.length === 1 ? routers[0] : undefined, workers };
}

/** SIGKILLs `victim` `count` times, each time waiting until the data plane is whole again (a new pid in its place), and counts the requests that failed. */
async function killsUnder(cluster: Cluster, load: LoadRun, count: number, victim: 'router' | 'worker'): Promise<number[]> {
  const failed: number[] = [];
  const expected = layoutOf(cluster).workers.length;
  for (let kill = 0; kill < count; kill++) {
    const before = load.snapshot().failed;
    const was = layoutOf(cluster);
    const pid = victim === 'worker' ? was.workers[0]! : was.router!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the data plane to be whole again', () => {
      const now = layoutOf(cluster);
      return now.router !== undefined && now.workers.length === expected && now.router !== pid && !now.workers.includes(pid);
    }, 120_000);
    await sleep(1500);
    failed.push(load.snapshot().failed - before);
  }
  return failed;
}

async function measure(layout: string, workers: string, routerLayout: 'shared' | 'per-service'): Promise<Row[]> {
  process.env.CUTOVER_ROUTER_WORKERS = workers;
  const cluster = new Cluster();
  cluster.serverEnv = { CUTOVER_ROUTER_LAYOUT: routerLayout };
  const rows: Row[] = [];
  try {
    const port = await freePort();
    await cluster.start();
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('kill-bench', helloSpec({ port, instances: 2 })), '--wait');
    if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}`);
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    await sleep(2000);
    const supervised = workers !== '1';
    const victims = supervised ? (['worker', 'router'] as const) : (['router'] as const);
    for (const victim of victims) {
      rows.push({ layout, victim: victim === 'router' && supervised ? 'supervisor' : victim, controlPlane: 'up', kills: KILLS, failedPerKill: await killsUnder(cluster, load, KILLS, victim), note: '' });
    }

    await cluster.stopServer('SIGKILL');
    if (supervised) {
      for (const victim of victims) {
        rows.push({ layout, victim: victim === 'router' ? 'supervisor' : victim, controlPlane: 'down', kills: KILLS, failedPerKill: await killsUnder(cluster, load, KILLS, victim), note: '' });
      }
    } else {
      // Nothing restarts a lone router while the control plane is down: everything fails until it is back.
      const before = load.snapshot().failed;
      process.kill(layoutOf(cluster).router!, 'SIGKILL');
      await sleep(5000);
      const lost = load.snapshot().failed - before;
      await cluster.start();
      await waitFor('the restarted server to restart the router', async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 60_000);
      rows.push({ layout, victim: 'router', controlPlane: 'down', kills: 1, failedPerKill: [lost], note: `every request for the 5 s the control plane stayed down (${RATE}/s)` });
    }
    const report = await load.stop();
    rows.at(-1)!.note ||= `sent ${report.sent}, failed ${report.failed} ${JSON.stringify(report.failedBy)}`;
  } finally {
    await cluster.destroy();
  }
  return rows;
}

const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' ');
const rows = [
  ...(await measure('a router per service, one process (--workers 1)', '1', 'per-service')),
  ...(await measure('a router per service, supervisor + 2 workers', '2', 'per-service')),
  ...(await measure('one router host for every service, supervisor + 2 workers (default)', '2', 'shared')),
];
console.log(`router kills under ${RATE} req/s; load average ${loadAtStart} at start, ${loadavg().map((l) => l.toFixed(1)).join(' ')} at end, on ${availableParallelism()} cores`);
console.log('| layout | SIGKILL of | control plane | kills | requests failed per kill | note |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.layout} | ${row.victim} | ${row.controlPlane} | ${row.kills} | ${row.failedPerKill.join(', ')} | ${row.note} |`);
