/**
 * The router process: `node dist/router/main.js --state-file PATH --admin-port N --token-file PATH [--metrics-token-file PATH] [--workers N|auto]`
 * (started by the control plane through `nodeArgsFor(Program.router)`).
 * It outlives the control plane: traffic keeps flowing on the last config.
 * By default (`--workers auto`, or CUTOVER_ROUTER_WORKERS) this process is
 * the supervisor of 2–4 workers, its cluster children, which run this same
 * file; `--workers 1` runs the router as one process.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { messageOf } from '../core/errors.ts';
import { runHost } from './cluster/host.ts';
import { runSupervisor } from './cluster/supervisor.ts';
import { runWorker } from './cluster/worker.ts';
import { createRouterLogger } from './log.ts';
import { runRouter } from './run-router.ts';

const USAGE = 'usage: router --state-file PATH --admin-port N --token-file PATH [--metrics-token-file PATH] [--workers N|auto] (or --host DIR in place of --state-file)';
/** `--workers auto`: one per core, but more than this buys nothing for a proxy of one service and costs memory. */
const MAX_AUTO_WORKERS = 4;
/** `--workers auto` on one core still runs two: a router is never one process that a crash takes down. */
const MIN_AUTO_WORKERS = 2;

function fail(message: string): never {
  process.stderr.write(`${JSON.stringify({ level: 'error', component: 'router', msg: message })}\n`);
  process.exit(2);
}

if (cluster.isWorker) {
  runWorker(createRouterLogger(), 20_000);
} else {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: { 'state-file': { type: 'string' }, 'admin-port': { type: 'string' }, 'token-file': { type: 'string' }, 'metrics-token-file': { type: 'string' }, workers: { type: 'string' }, host: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    fail(`${messageOf(error)}; ${USAGE}`);
  }
  const stateFile = values['state-file'];
  const hostDir = values.host;
  const tokenFile = values['token-file'];
  const adminPort = Number(values['admin-port']);
  if (!stateFile === !hostDir || !tokenFile || !Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) fail(USAGE);
  const workersText = values.workers ?? process.env.CUTOVER_ROUTER_WORKERS ?? 'auto';
  // Two at least by default: the death of one loses only its requests in flight, the other goes on accepting.
  const workers = workersText === 'auto' ? Math.max(MIN_AUTO_WORKERS, Math.min(availableParallelism(), MAX_AUTO_WORKERS)) : Number(workersText);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) fail(`--workers (or CUTOVER_ROUTER_WORKERS) must be "auto" or a whole number from 1 to 64, not "${workersText}"; ${USAGE}`);

  try {
    const metricsTokenFile = values['metrics-token-file'];
    const common = { tokenFile, adminPort, exitOnSignal: true, ...(metricsTokenFile ? { metricsTokenFile } : {}) };
    // Even with --workers 1 a host has a supervisor: it owns every service's admin API and state.
    if (hostDir) await runHost({ ...common, dir: hostDir, workers, log: createRouterLogger() });
    else if (workers === 1) await runRouter({ ...common, stateFile: stateFile! });
    else await runSupervisor({ ...common, stateFile: stateFile!, workers, log: createRouterLogger() });
  } catch (error) {
    process.stderr.write(`${JSON.stringify({ level: 'error', component: 'router', msg: `router failed to start: ${messageOf(error)}` })}\n`);
    process.exit(1);
  }
}
