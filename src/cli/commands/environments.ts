import type { PipelineView } from '../../api/pipeline.ts';
import { followDeployment, servicePath, terminalProgress } from '../../client/index.ts';
import type { Environment } from '../../environments/index.ts';
import { EXIT, exitCodeOf } from '../exit.ts';
import { outputOption, timeoutOption, type OutputFormat } from '../options.ts';
import { goesOn, until, waitLimit } from '../waiting.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

type EnvironmentView = Environment & { enforcement: Record<string, { enforced: boolean; note: string }> };

/** Environments: their rules (env list, env show), copying an artifact from one to the next (promote-env), and every stage of a service side by side (pipeline). */
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
    .description('deploy exactly the artifact (digest and signature) that succeeded in one environment to the next; the first keeps running')
    .requiredOption('--from <environment>', 'where the artifact succeeded')
    .requiredOption('--to <environment>', 'where to deploy it')
    .option('--target <service>', 'deploy into this service (with its own spec) instead of the same name in --to')
    .option('--wait', 'follow the deployment; exit 0 if it succeeded, 1 if not')
    .addOption(timeoutOption())
    .option('--no-supersede', 'refuse (409) while a deployment is in flight in --to, instead of aborting it and starting this one from stable')
    .action(
      run(async (service: string, options: { from: string; to: string; target?: string; wait?: boolean; timeout?: number; supersede: boolean }) => {
        const limit = waitLimit(options.timeout, Boolean(options.wait), '--wait');
        const api = client();
        const to = { service: options.target ?? service, environment: options.to };
        const result = await api.request<{ deployment: number; revision: number; service: string; environment: string; digest: string }>('POST', servicePath(to, '/promote-env'), {
          from: options.from,
          ...(options.target ? { target: options.target } : {}),
          ...(options.supersede ? {} : { supersede: false }),
        });
        process.stdout.write(`${result.service} (${result.environment}): deploying artifact sha256:${result.digest.slice(0, 12)} (from ${service} in ${options.from}, which keeps running): deployment ${result.deployment}, revision ${result.revision}\n`);
        const ref = { service: result.service, environment: result.environment };
        return options.wait ? exitCodeOf(await followDeployment(api, ref, result.deployment, until(terminalProgress(), limit(goesOn(ref))))) : EXIT.ok;
      }),
    );

  program
    .command('pipeline')
    .argument('<service>')
    .description('every environment of a service side by side: version, revision, digest, phase, when, by whom, stages passed')
    .addOption(outputOption())
    .action(
      run(async (service: string, options: { output: OutputFormat }) => {
        print(options.output, await client().request<PipelineView>('GET', `/v1/pipelines/${svc(service)}`), pipelineTable);
        return EXIT.ok;
      }),
    );
}

function pipelineTable(pipeline: PipelineView): string {
  return table(
    ['ENVIRONMENT', 'VERSION', 'REVISION', 'DIGEST', 'PHASE', 'UPDATED', 'BY', 'PASSED'],
    pipeline.stages.map((s) => [
      s.environment,
      s.version ?? '-',
      s.revision === null ? '-' : String(s.revision),
      s.digest ? `sha256:${s.digest.slice(0, 12)}` : '-',
      s.deploying ? `${s.phase} (→ ${s.deploying.version})` : s.phase,
      s.updatedAt.replace('T', ' ').slice(0, 19),
      s.by,
      s.passed.join(',') || '-',
    ]),
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
    // Older servers do not send it.
    `outbound allowed:   ${e.outbound?.allow.length ? e.outbound.allow.join(', ') : 'nowhere (http/prometheus providers and http hooks are refused)'}`,
  ].join('\n');
}
