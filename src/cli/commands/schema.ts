import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/** `cutover schema`: the spec's JSON Schema, for editors. */
export function register(cli: Cli): void {
  const { program, run } = cli;

  program
    .command('schema')
    .description('print the JSON Schema of the spec, for editors')
    .action(
      run(async () => {
        // The spec module (zod, YAML, CEL) loads only when it is needed.
        const { specJsonSchema } = await import('../../spec/index.ts');
        process.stdout.write(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
        return EXIT.ok;
      }),
    );
}
