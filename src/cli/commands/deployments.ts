import type { StatusView } from '../../api/views.ts';
import { deploySpecFile, followDeployment, servicePath, terminalProgress } from '../../client/index.ts';
import { EXIT, exitCodeOf } from '../exit.ts';
import { envOption, integerIn, timeoutOption } from '../options.ts';
import { goesOn, until, waitLimit } from '../waiting.ts';
import type { Cli } from '../cli.ts';

/** Starting and steering a deployment: apply, promote, pause, retry, restart, abort, rollback. */
export function register(cli: Cli): void {
  const { program, client, run, target } = cli;

  program
    .command('apply')
    .description('deploy the spec in FILE (YAML or JSON)')
    .requiredOption('-f, --file <file>', 'the spec')
    .addOption(envOption().default(undefined, "the spec's spec.environment, else CUTOVER_ENV"))
    .option('--wait', 'follow the deployment; exit 0 if it succeeded, 1 if not')
    .addOption(timeoutOption())
    .option('--no-supersede', 'refuse (409) while a deployment of the service is in flight, instead of aborting it and starting this one from stable')
    .action(
      run(async (options: { file: string; env?: string; wait?: boolean; timeout?: number; supersede: boolean }) => {
        const limit = waitLimit(options.timeout, Boolean(options.wait), '--wait');
        const api = client();
        const started = await deploySpecFile(api, options.file, options.env, { supersede: options.supersede });
        const ref = { service: started.service, environment: started.status.environment };
        process.stdout.write(
          `${started.service} (${ref.environment}): deployment ${started.deployment} started: revision ${started.revision} (version ${started.version}, artifact sha256:${started.artifact.digest.slice(0, 12)}, ${started.status.deployment.strategy})\n`,
        );
        const superseded = started.status.deployment.supersedes;
        if (superseded) process.stdout.write(`${started.service} (${ref.environment}): it supersedes deployment ${superseded}, which sends traffic back to stable first\n`);
        if (!options.wait) return EXIT.ok;
        const final = await followDeployment(api, ref, started.deployment, until(terminalProgress(), limit(goesOn(ref))));
        process.stdout.write(`${started.service} (${ref.environment}): ${final.phase}: ${final.message}\n`);
        return exitCodeOf(final);
      }),
    );

  program
    .command('promote')
    .argument('<service>')
    .description('resume a paused deployment, or continue past a pause step; --full: to 100% now, skipping the remaining pauses and analyses')
    .addOption(envOption())
    .option('--full', 'skip every remaining step, pause and analysis: straight to 100% (approvals still need an approver)')
    .option('--wait', 'follow the deployment afterwards; exit 0 if it succeeded, 1 if not')
    .addOption(timeoutOption())
    .action(
      run(async (service: string, options: { env?: string; full?: boolean; wait?: boolean; timeout?: number }) => {
        const limit = waitLimit(options.timeout, Boolean(options.wait), '--wait');
        const api = client();
        const ref = await target(api, service, options.env);
        const status = await api.request<StatusView>('POST', servicePath(ref, '/promote'), options.full ? { full: true } : undefined);
        process.stdout.write(`${service} (${ref.environment}): promoted deployment ${status.deployment.id}${options.full ? ` to the end (${status.step.total - status.step.index} step(s) left)` : ''}\n`);
        return options.wait ? exitCodeOf(await followDeployment(api, ref, status.deployment.id, until(terminalProgress(), limit(goesOn(ref))))) : EXIT.ok;
      }),
    );

  program
    .command('pause')
    .argument('<service>')
    .description('pause the deployment in progress at its current step, until `cutover promote` resumes it')
    .addOption(envOption())
    .action(
      run(async (service: string, options: { env?: string }) => {
        const api = client();
        const ref = await target(api, service, options.env);
        const status = await api.request<StatusView>('POST', servicePath(ref, '/pause'));
        process.stdout.write(`${service} (${ref.environment}): deployment ${status.deployment.id} ${status.phase}: ${status.message}\n`);
        return EXIT.ok;
      }),
    );

  program
    .command('retry')
    .argument('<service>')
    .description('deploy again the revision of the latest deployment, which was aborted, rolled back or failed, through every check of an apply')
    .addOption(envOption())
    .option('--wait', 'follow the deployment; exit 0 if it succeeded, 1 if not')
    .addOption(timeoutOption())
    .action(startsDeployment(cli, '/retry', (result) => `retrying revision ${result.revision} (version ${result.status.version}, ${result.status.deployment.strategy})`));

  program
    .command('restart')
    .argument('<service>')
    .description("restart the serving revision's instances one at a time (a new one healthy before an old one is drained)")
    .addOption(envOption())
    .option('--wait', 'follow the restart; exit 0 if it succeeded, 1 if not')
    .addOption(timeoutOption())
    .action(startsDeployment(cli, '/restart', (result) => `restarting the ${result.status.instances.length} instance(s) of revision ${result.revision}`));

  program
    .command('abort')
    .argument('<service>')
    .description('stop the deployment in progress and send all traffic back to the stable revision')
    .addOption(envOption())
    .option('--wait', 'follow until the abort is done')
    .addOption(timeoutOption())
    .action(
      run(async (service: string, options: { env?: string; wait?: boolean; timeout?: number }) => {
        const limit = waitLimit(options.timeout, Boolean(options.wait), '--wait');
        const api = client();
        const ref = await target(api, service, options.env);
        const status = await api.request<StatusView>('POST', servicePath(ref, '/abort'));
        process.stdout.write(`${service} (${ref.environment}): aborting deployment ${status.deployment.id}\n`);
        // Aborted is what was asked for, so it is not a failure here.
        if (options.wait) await followDeployment(api, ref, status.deployment.id, until(terminalProgress(), limit(goesOn(ref, 'the abort'))));
        return EXIT.ok;
      }),
    );

  program
    .command('rollback')
    .argument('<service>')
    .description('deploy an earlier revision (instant while its instances are warm)')
    .option('--to-revision <n>', 'the revision to go back to (default: the previous successful one)', integerIn(1))
    .addOption(envOption())
    .option('--wait', 'follow the rollback; exit 0 if it succeeded, 1 if not')
    .option('--force', 'admins, in an emergency: go to a revision that never succeeded here, skipping the environment\'s checks and approval (audited)')
    .addOption(timeoutOption())
    .action(
      run(async (service: string, options: { toRevision?: number; env?: string; wait?: boolean; force?: boolean; timeout?: number }) => {
        const limit = waitLimit(options.timeout, Boolean(options.wait), '--wait');
        const api = client();
        const ref = await target(api, service, options.env);
        const body = { ...(options.toRevision === undefined ? {} : { toRevision: options.toRevision }), ...(options.force ? { force: true } : {}) };
        const result = await api.request<{ deployment: number; revision: number; status: StatusView }>('POST', servicePath(ref, '/rollback'), body);
        process.stdout.write(`${service} (${ref.environment}): rolling back to revision ${result.revision} (deployment ${result.deployment}, ${result.status.deployment.strategy})\n`);
        return options.wait ? exitCodeOf(await followDeployment(api, ref, result.deployment, until(terminalProgress(), limit(goesOn(ref, 'the rollback'))))) : EXIT.ok;
      }),
    );
}

/** What the server answers when a command starts a deployment of the serving service (retry, restart). */
interface StartedDeployment {
  deployment: number;
  revision: number;
  status: StatusView;
}

/** The action of a command that starts a deployment through `route` and, with --wait, follows it to its end (exit 0 if it succeeded). */
function startsDeployment({ client, run, target }: Cli, route: string, describe: (result: StartedDeployment) => string) {
  return run(async (service: string, options: { env?: string; wait?: boolean; timeout?: number }) => {
    const limit = waitLimit(options.timeout, Boolean(options.wait), '--wait');
    const api = client();
    const ref = await target(api, service, options.env);
    const result = await api.request<StartedDeployment>('POST', servicePath(ref, route));
    process.stdout.write(`${service} (${ref.environment}): deployment ${result.deployment} started: ${describe(result)}\n`);
    return options.wait ? exitCodeOf(await followDeployment(api, ref, result.deployment, until(terminalProgress(), limit(goesOn(ref))))) : EXIT.ok;
  });
}
