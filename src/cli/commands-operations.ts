import { Option } from 'commander';
import { exitCodeOf, followDeployment } from './follow.ts';
import { EXIT } from './output.ts';
import type { Cli } from './program.ts';

/** Registers environments, promotion between them, alerts and deploy locks. */
export function registerOperationCommands(cli: Cli): void {
  const { program, client, run, svc } = cli;
  const env = program.command('env').description("environments and their rules");
  env
    .command('list')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(run(async (options: { output: string }) => (await import('./commands/environments.ts')).envList(client(), options)));
  env
    .command('show')
    .argument('<name>')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(run(async (name: string, options: { output: string }) => (await import('./commands/environments.ts')).envShow(client(), name, options)));

  program
    .command('promote-env')
    .argument('<service>')
    .description('deploy exactly the artifact that succeeded in one environment to the next')
    .requiredOption('--from <environment>', 'where the artifact succeeded')
    .requiredOption('--to <environment>', 'where to deploy it')
    .option('--target <service>', 'deploy into this service (with its own spec) instead of moving SERVICE itself')
    .option('--wait', 'follow the deployment; exit 0 if it succeeded')
    .action(
      run(async (service: string, options: { from: string; to: string; target?: string; wait?: boolean }) => {
        const result = await client().request<{ deployment: number; revision: number; service: string; digest: string }>('POST', `/v1/services/${svc(service)}/promote-env`, {
          from: options.from,
          to: options.to,
          ...(options.target ? { target: options.target } : {}),
        });
        process.stdout.write(`${result.service}: deploying artifact sha256:${result.digest.slice(0, 12)} (from ${service} in ${options.from}) to ${options.to}: deployment ${result.deployment}, revision ${result.revision}\n`);
        return options.wait ? exitCodeOf(await followDeployment(client(), result.service, result.deployment)) : EXIT.ok;
      }),
    );

  program
    .command('alerts')
    .description('alert sinks')
    .command('test')
    .description('send a test alert to every configured sink and show what each answered')
    .action(
      run(async () => {
        const { results } = await client().request<{ results: { sink: string; ok: boolean; attempts: number; status?: number; error?: string }[] }>('POST', '/v1/alerts/test');
        for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.sink}: ${r.attempts} attempt(s)${r.status ? `, HTTP ${r.status}` : ''}${r.error ? `, ${r.error}` : ''}\n`);
        return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
      }),
    );

  const lock = program.command('lock').description('deploy locks: while a service is locked, nothing deploys it');
  lock
    .command('acquire')
    .argument('<service>')
    .requiredOption('-m, --message <message>', 'why (shown to whoever tries to deploy)')
    .action(
      run(async (service: string, options: { message: string }) => {
        await client().request('POST', `/v1/locks/${svc(service)}`, { message: options.message });
        process.stdout.write(`${service}: locked ("${options.message}")\n`);
        return EXIT.ok;
      }),
    );
  lock
    .command('release')
    .argument('<service>')
    .action(
      run(async (service: string) => {
        await client().request('DELETE', `/v1/locks/${svc(service)}`);
        process.stdout.write(`${service}: unlocked\n`);
        return EXIT.ok;
      }),
    );
  lock
    .command('status')
    .argument('<service>')
    .action(
      run(async (service: string) => {
        const { lock: held } = await client().request<{ lock: { holder: string; message: string; acquiredAt: number } | null }>('GET', `/v1/locks/${svc(service)}`);
        process.stdout.write(held ? `${service}: locked by ${held.holder} since ${new Date(held.acquiredAt).toISOString()}: "${held.message}"\n` : `${service}: not locked\n`);
        return EXIT.ok;
      }),
    );

}
