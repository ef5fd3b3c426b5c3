import type { StatusView } from '../../api/views.ts';
import { weightsText } from '../../client/index.ts';
import { EXIT } from '../exit.ts';
import { outputOption, type OutputFormat } from '../options.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

/** `cutover list`: every service the caller may read, one line each. */
export function register(cli: Cli): void {
  const { program, client, run } = cli;

  program
    .command('list')
    .description('list services: phase, revision, version, weights (all environments, or one with --env)')
    .option('--env <environment>', 'only services in this environment')
    .addOption(outputOption())
    .action(
      run(async (options: { env?: string; output: OutputFormat }) => {
        const { services } = await client().request<{ services: StatusView[] }>('GET', '/v1/services');
        const shown = options.env ? services.filter((service) => service.environment === options.env) : services;
        print(options.output, { services: shown }, ({ services: rows }) =>
          rows.length
            ? table(
                ['SERVICE', 'ENVIRONMENT', 'PHASE', 'REVISION', 'VERSION', 'STABLE', 'WEIGHTS', 'INSTANCES'],
                rows.map((s) => [s.service, s.environment, s.phase, String(s.revision), s.version, String(s.stableRevision ?? '-'), weightsText(s.weights), String(s.instances.length)]),
              )
            : `no services${options.env ? ` in ${options.env}` : ''}; \`cutover apply -f SPEC\` creates one`,
        );
        return EXIT.ok;
      }),
    );
}
