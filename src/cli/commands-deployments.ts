import { Option } from 'commander';
import type { StatusView } from '../api/views.ts';
import { specJsonSchema } from '../spec/index.ts';
import { exitCodeOf, followDeployment } from './follow.ts';
import { EXIT } from './output.ts';
import type { Cli } from './program.ts';

/** Registers the commands of the core: server, router, apply, status, history, promote, abort, rollback, logs, delete, schema, demo. */
export function registerDeploymentCommands(cli: Cli): void {
  const { program, client, run, svc, dataDir } = cli;
  program
    .command('server')
    .description('run the control plane (HTTP API on 127.0.0.1:7400)')
    .option('--host <host>', 'address to listen on (loopback only)', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '7400')
    .option('--log-level <level>', 'trace, debug, info, warn or error')
    .option('--config <file>', 'environments and alerts (default <data-dir>/config.yaml, optional)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (required for a non-loopback --host)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--insecure-listen-anywhere', 'allow a non-loopback --host without TLS (logged loudly)')
    .action(run(async (options: { host: string; port: string; logLevel?: string; config?: string; tlsCert?: string; tlsKey?: string; insecureListenAnywhere?: boolean }) =>
        (await import('./commands/server.ts')).serverCommand({ ...options, dataDir: dataDir() }),
      ));

  program
    .command('router')
    .description("run a service's data-plane router by hand (the server normally starts it)")
    .requiredOption('--state-file <file>', 'where the router keeps its last config')
    .requiredOption('--admin-port <port>', 'port of the authenticated admin endpoint')
    .requiredOption('--token-file <file>', 'file holding the admin bearer token')
    .action(run(async (options: { stateFile: string; adminPort: string; tokenFile: string }) => (await import('./commands/router.ts')).routerCommand(options)));

  program
    .command('apply')
    .description('deploy the spec in FILE (YAML or JSON)')
    .requiredOption('-f, --file <file>', 'the spec')
    .option('--wait', 'follow the deployment; exit 0 if it succeeded, 1 if not')
    .action(run(async (options: { file: string; wait?: boolean }) => (await import('./commands/apply.ts')).applyCommand(client(), options.file, options)));

  program
    .command('status')
    .argument('<service>')
    .description("show a service's deployment: phase, step, weights, instances")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--watch', 'follow until the deployment ends')
    .action(run(async (service: string, options: { output?: string; watch?: boolean }) => (await import('./commands/status.ts')).statusCommand(client(), service, options)));

  program
    .command('history')
    .argument('<service>')
    .description('list the deployments of a service: revision, version, artifact digest, when, outcome')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(run(async (service: string, options: { output?: string }) => (await import('./commands/status.ts')).historyCommand(client(), service, options)));

  program
    .command('promote')
    .argument('<service>')
    .description('continue a paused deployment')
    .option('--wait', 'follow the deployment afterwards')
    .action(
      run(async (service: string, options: { wait?: boolean }) => {
        const status = await client().request<StatusView>('POST', `/v1/services/${svc(service)}/promote`);
        process.stdout.write(`${service}: promoted deployment ${status.deployment.id}\n`);
        return options.wait ? exitCodeOf(await followDeployment(client(), service, status.deployment.id)) : EXIT.ok;
      }),
    );

  program
    .command('abort')
    .argument('<service>')
    .description('stop the deployment in progress and send all traffic back to the stable revision')
    .option('--wait', 'follow until the abort is done')
    .action(
      run(async (service: string, options: { wait?: boolean }) => {
        const status = await client().request<StatusView>('POST', `/v1/services/${svc(service)}/abort`);
        process.stdout.write(`${service}: aborting deployment ${status.deployment.id}\n`);
        if (options.wait) await followDeployment(client(), service, status.deployment.id);
        return EXIT.ok;
      }),
    );

  program
    .command('rollback')
    .argument('<service>')
    .description('deploy an earlier revision (instant while its instances are warm)')
    .option('--to-revision <n>', 'the revision to go back to (default: the previous successful one)')
    .option('--wait', 'follow the rollback; exit 0 if it succeeded')
    .action(
      run(async (service: string, options: { toRevision?: string; wait?: boolean }) => {
        const toRevision = options.toRevision === undefined ? undefined : Number(options.toRevision);
        if (toRevision !== undefined && (!Number.isInteger(toRevision) || toRevision < 1)) {
          process.stderr.write(`error: --to-revision must be a revision number, got "${options.toRevision}"\n`);
          return EXIT.usage;
        }
        const result = await client().request<{ deployment: number; revision: number; status: StatusView }>('POST', `/v1/services/${svc(service)}/rollback`, toRevision === undefined ? {} : { toRevision });
        process.stdout.write(`${service}: rolling back to revision ${result.revision} (deployment ${result.deployment}, ${result.status.deployment.strategy})\n`);
        return options.wait ? exitCodeOf(await followDeployment(client(), service, result.deployment)) : EXIT.ok;
      }),
    );

  program
    .command('logs')
    .argument('<service>')
    .description("print the service's instance logs")
    .option('--instance <id>', 'only this instance (also a stopped one)')
    .option('--lines <n>', 'lines per instance', '200')
    .action(
      run(async (service: string, options: { instance?: string; lines: string }) => {
        const query = new URLSearchParams({ lines: options.lines, ...(options.instance ? { instance: options.instance } : {}) });
        process.stdout.write(await client().request<string>('GET', `/v1/services/${svc(service)}/logs?${query}`));
        return EXIT.ok;
      }),
    );

  program
    .command('delete')
    .argument('<service>')
    .description('drain and stop all instances and the router of a service (history is kept)')
    .action(
      run(async (service: string) => {
        await client().request('DELETE', `/v1/services/${svc(service)}`);
        process.stdout.write(`${service}: deleted (instances drained and stopped; history kept)\n`);
        return EXIT.ok;
      }),
    );

  program
    .command('schema')
    .description('print the JSON Schema of the spec, for editors')
    .action(
      run(async () => {
        process.stdout.write(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
        return EXIT.ok;
      }),
    );

  program
    .command('demo')
    .description('a narrated tour: a canary that succeeds and a release that fails and rolls back, under steady traffic')
    .option('--rate <n>', 'requests per second of the steady traffic', '200')
    .action(run(async (options: { rate: string }) => (await import('./commands/demo.ts')).demoCommand({ rate: Number(options.rate) })));

}
