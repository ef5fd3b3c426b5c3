import { servicePath } from '../../client/index.ts';
import { EXIT } from '../exit.ts';
import { envOption } from '../options.ts';
import type { Cli } from '../cli.ts';

/** Deploy locks: while a service is locked, nothing deploys it. */
export function register(cli: Cli): void {
  const { program, client, run, target } = cli;

  const lock = program.command('lock').description('deploy locks: while a service is locked, nothing deploys it');
  lock
    .command('acquire')
    .argument('<service>')
    .requiredOption('-m, --message <message>', 'why (shown to whoever tries to deploy)')
    .addOption(envOption())
    .action(
      run(async (service: string, options: { message: string; env?: string }) => {
        const api = client();
        const ref = await target(api, service, options.env);
        await api.request('POST', servicePath(ref, '/lock'), { message: options.message });
        process.stdout.write(`${service} (${ref.environment}): locked ("${options.message}")\n`);
        return EXIT.ok;
      }),
    );
  lock
    .command('release')
    .argument('<service>')
    .addOption(envOption())
    .action(
      run(async (service: string, options: { env?: string }) => {
        const api = client();
        const ref = await target(api, service, options.env);
        await api.request('DELETE', servicePath(ref, '/lock'));
        process.stdout.write(`${service} (${ref.environment}): unlocked\n`);
        return EXIT.ok;
      }),
    );
  lock
    .command('status')
    .argument('<service>')
    .addOption(envOption())
    .action(
      run(async (service: string, options: { env?: string }) => {
        const api = client();
        const ref = await target(api, service, options.env);
        const { lock: held } = await api.request<{ lock: { holder: string; message: string; acquiredAt: number } | null }>('GET', servicePath(ref, '/lock'));
        process.stdout.write(held ? `${service} (${ref.environment}): locked by ${held.holder} since ${new Date(held.acquiredAt).toISOString()}: "${held.message}"\n` : `${service} (${ref.environment}): not locked\n`);
        return EXIT.ok;
      }),
    );
}
