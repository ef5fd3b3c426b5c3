import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/** `cutover validate -f FILE`: the spec checked offline, every problem at once; nothing is sent anywhere. */
export function register(cli: Cli): void {
  const { program, run } = cli;

  program
    .command('validate')
    .description('check a spec offline: every problem at once, exit 2 if there is one (nothing is uploaded or deployed)')
    .requiredOption('-f, --file <file>', 'the spec (YAML or JSON)')
    .action(
      run(async (options: { file: string }) => {
        // The spec module brings zod, YAML and CEL: loaded only here.
        const { loadSpecFile } = await import('../../spec/index.ts');
        const { spec } = await loadSpecFile(options.file);
        process.stdout.write(`${options.file}: valid: ${spec.name} ${spec.version} to ${spec.environment}, ${spec.strategy.type}, ${spec.instances} instance(s) on port ${spec.port}\n`);
        return EXIT.ok;
      }),
    );
}
