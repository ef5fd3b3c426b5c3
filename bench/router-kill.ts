/**
 * Requests lost per SIGKILL of the data plane (issue 12, finding 4), with
 * the control plane up and with it SIGKILLed: the default router (one
 * process per service, restarted by the control plane's supervision) and
 * the supervised router (`CUTOVER_ROUTER_WORKERS=2`: a supervisor that
 * replaces a dead worker by itself). Prints one row per (layout, control
 * plane); run it small on a loaded machine and say the load beside it.
 *
 *   npm run bench:router-kill -- [--kills 5] [--rate 200]
 */
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/net.ts';
import { startLoad, type LoadRun } from '../src/load/index.ts';
import { isProcessAlive } from '../src/platforms/index.ts';
import { parentOf } from '../src/platforms/local/proc.ts';
import { Cluster, helloSpec, waitFor } from '../test/support/cluster.ts';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '5' }, rate: { type: 'string', default: '200' } } });
const KILLS = Number(values.kills);
const RATE = Number(values.rate);

interface Row {
  layout: string;
  controlPlane: 'up' | 'down';
  kills: number;
  failedPerKill: number[];
  note: string;
}

/** The processes that proxy: the router itself, or the workers of a supervised router. */
function proxies(cluster: Cluster): number[] {
  const routers = cluster.processes().filter((p) => p.router && isProcessAlive(p.pid)).map((p) => p.pid);
  const workers = routers.filter((pid) => routers.includes(parentOf(pid) ?? -1));
  return workers.length ? workers : routers;
}

async function killsUnder(cluster: Cluster, load: LoadRun, count: number, expected: number): Promise<number[]> {
  const failed: number[] = [];
  for (let kill = 0; kill < count; kill++) {
    const before = load.snapshot().failed;
    const [victim] = proxies(cluster);
    process.kill(victim!, 'SIGKILL');
    await waitFor('the data plane to be whole again', () => {
      const now = proxies(cluster);
      return now.length === expected && !now.includes(victim!);
    }, 60_000);
    await sleep(1500);
    failed.push(load.snapshot().failed - before);
  }
  return failed;
}

async function measure(layout: string, workers: string | undefined): Promise<Row[]> {
  if (workers) process.env.CUTOVER_ROUTER_WORKERS = workers;
  else delete process.env.CUTOVER_ROUTER_WORKERS;
  const cluster = new Cluster();
  const rows: Row[] = [];
  try {
    const port = await freePort();
    await cluster.start();
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('kill-bench', helloSpec({ port, instances: 2 })), '--wait');
    if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}`);
    const expected = proxies(cluster).length;
    const load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: RATE });
    await sleep(2000);
    rows.push({ layout, controlPlane: 'up', kills: KILLS, failedPerKill: await killsUnder(cluster, load, KILLS, expected), note: '' });

    await cluster.stopServer('SIGKILL');
    if (workers) {
      rows.push({ layout, controlPlane: 'down', kills: KILLS, failedPerKill: await killsUnder(cluster, load, KILLS, expected), note: '' });
    } else {
      // Nothing restarts a lone router while the control plane is down: everything fails until it is back.
      const before = load.snapshot().failed;
      process.kill(proxies(cluster)[0]!, 'SIGKILL');
      await sleep(5000);
      const lost = load.snapshot().failed - before;
      await cluster.start();
      await waitFor('the restarted server to restart the router', async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 60_000);
      rows.push({ layout, controlPlane: 'down', kills: 1, failedPerKill: [lost], note: `every request for the 5 s the control plane stayed down (${RATE}/s)` });
    }
    const report = await load.stop();
    rows.at(-1)!.note ||= `sent ${report.sent}, failed ${report.failed} ${JSON.stringify(report.failedBy)}`;
  } finally {
    await cluster.destroy();
  }
  return rows;
}

const rows = [...(await measure('one router process (default)', undefined)), ...(await measure('supervisor + 2 workers', '2'))];
console.log(`router kills under ${RATE} req/s; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
console.log('| layout | control plane | kills | requests failed per kill | note |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.layout} | ${row.controlPlane} | ${row.kills} | ${row.failedPerKill.join(', ')} | ${row.note} |`);
