import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ApiClient, DEFAULT_DATA_DIR, DEFAULT_SERVER, resolveService } from '../client/index.ts';
import { PROJECT_ROOT } from '../core/entry.ts';
import { clientOptions, type GlobalFlags } from './contexts/index.ts';
import * as alerts from './commands/alerts.ts';
import * as approvals from './commands/approvals.ts';
import * as artifacts from './commands/artifacts.ts';
import * as audit from './commands/audit.ts';
import * as contexts from './commands/contexts.ts';
import * as completion from './commands/completion.ts';
import * as demo from './commands/demo.ts';
import * as deployments from './commands/deployments.ts';
import * as encryptionKeys from './commands/encryption-keys.ts';
import * as environments from './commands/environments.ts';
import * as history from './commands/history.ts';
import * as list from './commands/list.ts';
import * as locks from './commands/locks.ts';
import * as plan from './commands/plan.ts';
import * as policy from './commands/policy.ts';
import * as router from './commands/router.ts';
import * as scan from './commands/scan.ts';
import * as schema from './commands/schema.ts';
import * as server from './commands/server.ts';
import * as services from './commands/services.ts';
import * as store from './commands/store.ts';
import * as signingKeys from './commands/signing-keys.ts';
import * as status from './commands/status.ts';
import * as users from './commands/users.ts';
import * as validate from './commands/validate.ts';
import type { Cli } from './cli.ts';
import { EXIT } from './exit.ts';

/**
 * Every command group, in the order `cutover --help` lists them: one file per
 * noun in commands/, each with `register(cli)`. Groups that load a lot
 * (server, router, demo, scan, and anything that reads a spec) import it
 * inside their action, so `--help` and `status` stay quick.
 */
const GROUPS: readonly { register(cli: Cli): void }[] = [
  server,
  validate,
  store,
  deployments,
  plan,
  list,
  status,
  history,
  services,
  approvals,
  environments,
  locks,
  alerts,
  users,
  signingKeys,
  audit,
  artifacts,
  encryptionKeys,
  scan,
  policy,
  schema,
  router,
  demo,
  contexts,
  completion,
];

/** The whole `cutover` command line, every group registered; errors are thrown (exitOverride), not exited on. */
export function createCli(): Cli {
  const program = new Command('cutover')
    .description('Deploy a service with rolling, blue-green or canary strategies; zero failed requests, automatic rollback.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addOption(new Option('--server <url>', `control plane URL (env CUTOVER_SERVER; else the context's; default ${DEFAULT_SERVER})`))
    .addOption(new Option('--context <name>', 'the named context (server and credentials) to use (env CUTOVER_CONTEXT; default: the current one, see `cutover context`)'))
    .addOption(new Option('--data-dir <dir>', `where the server keeps state, artifacts and logs; other commands read its admin-token there when CUTOVER_TOKEN is unset (env CUTOVER_DATA_DIR, default ${DEFAULT_DATA_DIR})`))
    .showHelpAfterError()
    .exitOverride();
  const cli: Cli = {
    program,
    client: () => new ApiClient(clientOptions(program.opts<GlobalFlags>(), process.env, (note) => process.stderr.write(`cutover: ${note}\n`))),
    run<A extends unknown[]>(action: (...args: A) => Promise<number>) {
      return async (...args: A) => {
        cli.exitCode = await action(...args);
      };
    },
    dataDir: () => program.opts<{ dataDir?: string }>().dataDir ?? process.env.CUTOVER_DATA_DIR ?? DEFAULT_DATA_DIR,
    svc: (name: string) => encodeURIComponent(name),
    target: (api, service, env) => resolveService(api, service, env || undefined),
    exitCode: EXIT.ok,
  };
  for (const group of GROUPS) group.register(cli);
  return cli;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
