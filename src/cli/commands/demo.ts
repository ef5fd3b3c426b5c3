import { integerIn } from '../options.ts';
import type { Cli } from '../cli.ts';

/** `cutover demo`: the narrated tour, in a temporary data dir. */
export function register(cli: Cli): void {
  const { program, run } = cli;

  program
    .command('demo')
    .description('a narrated tour: a canary that succeeds and a release that fails and rolls back, under steady traffic')
    .option('--rate <n>', 'requests per second of the steady traffic', integerIn(1, 10_000), 200)
    .action(
      run(async (options: { rate: number }) => {
        // The demo starts a server and sends load: loaded only to run it.
        const { runDemo } = await import('../../demo/index.ts');
        return runDemo({ rate: options.rate });
      }),
    );
}
