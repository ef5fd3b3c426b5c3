import { followLogs, servicePath } from '../../client/index.ts';
import { EXIT } from '../exit.ts';
import { envOption, integerIn, timeoutOption } from '../options.ts';
import { waitLimit } from '../waiting.ts';
import type { Cli } from '../cli.ts';

/** A service as a whole: its logs, and deleting it. */
export function register(cli: Cli): void {
  const { program, client, run, target } = cli;

  program
    .command('logs')
    .argument('<service>')
    .description("print the service's instance logs")
    .option('--instance <id>', 'only this instance (also a stopped one)')
    .option('--lines <n>', 'lines per instance (with --follow: earlier lines to start with)', integerIn(0, 10_000), 200)
    .option('-f, --follow', 'keep printing new lines as they are written, also those of instances a deployment starts later, until interrupted')
    .addOption(timeoutOption())
    .addOption(envOption())
    .action(
      run(async (service: string, options: { instance?: string; lines: number; follow?: boolean; timeout?: number; env?: string }) => {
        const limit = waitLimit(options.timeout, Boolean(options.follow), '--follow');
        const api = client();
        const ref = await target(api, service, options.env);
        if (options.follow) {
          const signal = limit('the service goes on running');
          await followLogs(api, ref, process.stdout, {
            lines: options.lines,
            ...(options.instance ? { instance: options.instance } : {}),
            ...(signal ? { signal } : {}),
            onServerGone: (graceMs) => process.stderr.write(`the server stopped streaming; waiting up to ${graceMs / 1000}s for it to come back (lines written meanwhile may be missing)…\n`),
          });
        }
        const query = new URLSearchParams({ lines: String(options.lines), ...(options.instance ? { instance: options.instance } : {}) });
        process.stdout.write(await api.request<string>('GET', `${servicePath(ref, '/logs')}?${query}`));
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
