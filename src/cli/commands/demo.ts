import { integerIn } from '../options.ts';
import type { Cli } from '../cli.ts';

/** `cutover demo`: the narrated tours, in a temporary data dir. */
export function register(cli: Cli): void {
  const { program, run } = cli;

  program
    .command('demo')
    .description('a narrated tour: a canary that succeeds and a release that fails and rolls back, under steady traffic; with --pipeline, one service through development, staging and production')
    .option('--rate <n>', 'requests per second of the steady traffic (to each stage with --pipeline)', integerIn(1, 10_000), 200)
    .option('--pipeline', 'the three-stage tour: one spec file, promote-env from stage to stage, an approval, cutover pipeline')
    .action(
      run(async (options: { rate: number; pipeline?: boolean }) => {
        // The demo starts a server and sends load: loaded only to run it.
        const { runDemo, runPipelineDemo } = await import('../../demo/index.ts');
        return options.pipeline ? runPipelineDemo({ rate: options.rate }) : runDemo({ rate: options.rate });
      }),
    );
}
