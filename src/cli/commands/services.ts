import { servicePath } from '../../client/index.ts';
import { EXIT } from '../exit.ts';
import { envOption } from '../options.ts';
import type { Cli } from '../cli.ts';

/** A service as a whole: its logs, and deleting it. */
export function register(cli: Cli): void {
  const { program, client, run, target } = cli;

  program
    .command('logs')
    .argument('<service>')
    .description("print the service's instance logs")
    .option('--instance <id>', 'only this instance (also a stopped one)')
    .option('--lines <n>', 'lines per instance', '200')
    .addOption(envOption())
    .action(
      run(async (service: string, options: { instance?: string; lines: string; env?: string }) => {
        const api = client();
        const query = new URLSearchParams({ lines: options.lines, ...(options.instance ? { instance: options.instance } : {}) });
        process.stdout.write(await api.request<string>('GET', `${servicePath(await target(api, service, options.env), '/logs')}?${query}`));
        return EXIT.ok;
      }),
    );

  program
    .command('delete')
    .argument('<service>')
    .description('drain and stop all instances and the router of a service (history is kept)')
    .addOption(envOption())
    .action(
      run(async (service: string, options: { env?: string }) => {
        const api = client();
        const ref = await target(api, service, options.env);
        await api.request('DELETE', servicePath(ref));
        process.stdout.write(`${service} (${ref.environment}): deleted (instances drained and stopped; history kept)\n`);
        return EXIT.ok;
      }),
    );
}
