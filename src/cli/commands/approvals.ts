import type { StatusView } from '../../api/views.ts';
import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/** Deciding on a deployment that waits for a person: approve, reject. */
export function register(cli: Cli): void {
  const { program, client, run, svc } = cli;

  program
    .command('approve')
    .argument('<deployment>', 'the deployment id (`cutover status SERVICE`)')
    .description('approve a deployment waiting for approval (not your own)')
    .action(
      run(async (id: string) => {
        const status = await client().request<StatusView>('POST', `/v1/deployments/${svc(id)}/approve`);
        process.stdout.write(`deployment ${id} of ${status.service} approved\n`);
        return EXIT.ok;
      }),
    );

  program
    .command('reject')
    .argument('<deployment>')
    .option('-m, --message <reason>', 'why')
    .description('reject a deployment waiting for approval: it ends Aborted, nothing started')
    .action(
      run(async (id: string, options: { message?: string }) => {
        const status = await client().request<StatusView>('POST', `/v1/deployments/${svc(id)}/reject`, { reason: options.message ?? '' });
        process.stdout.write(`deployment ${id} of ${status.service} rejected\n`);
        return EXIT.ok;
      }),
    );
}
