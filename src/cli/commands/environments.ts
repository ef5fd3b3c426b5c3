import { followDeployment, terminalProgress } from '../../client/index.ts';
import type { Environment } from '../../environments/index.ts';
import { EXIT, exitCodeOf } from '../exit.ts';
import { outputOption, type OutputFormat } from '../options.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

type EnvironmentView = Environment & { enforcement: Record<string, { enforced: boolean; note: string }> };

/** Environments: their rules (env list, env show), and moving an artifact from one to the next (promote-env). */
export function register(cli: Cli): void {
  const { program, client, run, svc } = cli;

  const env = program.command('env').description('environments and their rules');
  env
    .command('list')
    .addOption(outputOption())
    .action(
      run(async (options: { output: OutputFormat }) => {
        const { environments } = await client().request<{ environments: EnvironmentView[] }>('GET', '/v1/environments');
        print(options.output, environments, environmentsTable);
        return EXIT.ok;
      }),
    );
  env
    .command('show')
    .argument('<name>')
    .addOption(outputOption())
    .action(
      run(async (name: string, options: { output: OutputFormat }) => {
        print(options.output, await client().request<EnvironmentView>('GET', `/v1/environments/${svc(name)}`), environmentText);
        return EXIT.ok;
      }),
    );

  program
    .command('promote-env')
    .argument('<service>')
    .description('deploy exactly the artifact that succeeded in one environment to the next')
    .requiredOption('--from <environment>', 'where the artifact succeeded')
    .requiredOption('--to <environment>', 'where to deploy it')
    .option('--target <service>', 'deploy into this service (with its own spec) instead of moving SERVICE itself')
    .option('--wait', 'follow the deployment; exit 0 if it succeeded, 1 if not')
    .action(
      run(async (service: string, options: { from: string; to: string; target?: string; wait?: boolean }) => {
        const api = client();
        const result = await api.request<{ deployment: number; revision: number; service: string; digest: string }>('POST', `/v1/services/${svc(service)}/promote-env`, {
          from: options.from,
          to: options.to,
          ...(options.target ? { target: options.target } : {}),
        });
        process.stdout.write(`${result.service}: deploying artifact sha256:${result.digest.slice(0, 12)} (from ${service} in ${options.from}) to ${options.to}: deployment ${result.deployment}, revision ${result.revision}\n`);
        return options.wait ? exitCodeOf(await followDeployment(api, result.service, result.deployment, terminalProgress())) : EXIT.ok;
      }),
    );
}

function environmentsTable(environments: EnvironmentView[]): string {
  return table(
    ['NAME', 'INSTANCES', 'STRATEGIES', 'AFTER', 'APPROVAL', 'SIGNATURE', 'BLOCK VULNS AT', 'DESCRIPTION'],
    environments.map((e) => [e.name, `${e.instances.min}-${e.instances.max}`, e.strategies.join(','), e.requiresSuccessIn ?? '-', e.approvalRequired ? 'yes' : 'no', e.signatureRequired ? 'yes' : 'no', e.blockVulnerabilitiesAt, e.description]),
  );
}

function environmentText(e: EnvironmentView): string {
  const mark = (setting: string) => (e.enforcement[setting]?.enforced === false ? `   (${e.enforcement[setting]!.note})` : '');
  const hooks = Object.entries(e.hooks).map(([point, list]) => `${point}: ${(list ?? []).map((h) => (h.command ? h.command.join(' ') : `${h.http!.method} ${h.http!.url}`)).join('; ')}`);
  return [
    `name:               ${e.name}`,
    `description:        ${e.description}`,
    `instances:          ${e.instances.min} to ${e.instances.max}`,
    `strategies:         ${e.strategies.join(', ')}`,
    `requires success in: ${e.requiresSuccessIn ?? '-'}`,
    `approval required:  ${e.approvalRequired ? 'yes' : 'no'}${mark('approvalRequired')}`,
    `signature required: ${e.signatureRequired ? 'yes' : 'no'}${mark('signatureRequired')}`,
    `block vulns at:     ${e.blockVulnerabilitiesAt}${mark('blockVulnerabilitiesAt')}`,
    `deploy windows:     ${e.deployWindows.length ? e.deployWindows.map((w) => `${w.days.join(',')} ${w.start}-${w.end} ${w.timezone}`).join('; ') : 'any time'}`,
    `keep revisions:     ${e.keepRevisions}`,
    `hooks:              ${hooks.length ? hooks.join('\n                    ') : 'none'}`,
  ].join('\n');
}
