import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/** Deploy locks: while a service is locked, nothing deploys it. */
export function register(cli: Cli): void {
  const { program, client, run, svc } = cli;

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
