/**
 * The router process: `node dist/router/main.js --state-file PATH --admin-port N --token-file PATH [--metrics-token-file PATH]`
 * (started by the control plane through `nodeArgsFor(Program.router)`).
 * It outlives the control plane: traffic keeps flowing on the last config.
 */
import { parseArgs } from 'node:util';
import { messageOf } from '../core/errors.ts';
import { runRouter } from './run-router.ts';

const USAGE = 'usage: router --state-file PATH --admin-port N --token-file PATH [--metrics-token-file PATH]';

function fail(message: string): never {
  process.stderr.write(`${JSON.stringify({ level: 'error', component: 'router', msg: message })}\n`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: { 'state-file': { type: 'string' }, 'admin-port': { type: 'string' }, 'token-file': { type: 'string' }, 'metrics-token-file': { type: 'string' } },
    strict: true,
  }));
} catch (error) {
  fail(`${messageOf(error)}; ${USAGE}`);
}
const stateFile = values['state-file'];
const tokenFile = values['token-file'];
const adminPort = Number(values['admin-port']);
if (!stateFile || !tokenFile || !Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) fail(USAGE);

try {
  const metricsTokenFile = values['metrics-token-file'];
  await runRouter({ stateFile, tokenFile, adminPort, exitOnSignal: true, ...(metricsTokenFile ? { metricsTokenFile } : {}) });
} catch (error) {
  process.stderr.write(`${JSON.stringify({ level: 'error', component: 'router', msg: `router failed to start: ${messageOf(error)}` })}\n`);
  process.exit(1);
}
