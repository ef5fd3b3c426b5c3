import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/** A service as a whole: its logs, and deleting it. */
export function register(cli: Cli): void {
  const { program, client, run, svc } = cli;

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
}
