import type { HistoryEntry } from '../../api/views.ts';
import { EXIT } from '../exit.ts';
import { outputOption, type OutputFormat } from '../options.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

/** `cutover history SERVICE`: every deployment of a service. */
export function register(cli: Cli): void {
  const { program, client, run, svc } = cli;

  program
    .command('history')
    .argument('<service>')
    .description('list the deployments of a service: revision, version, artifact digest, when, outcome')
    .addOption(outputOption())
    .action(
      run(async (service: string, options: { output: OutputFormat }) => {
        const { history } = await client().request<{ history: HistoryEntry[] }>('GET', `/v1/services/${svc(service)}/history`);
        print(options.output, history, (entries) =>
          table(
            ['DEPLOYMENT', 'REVISION', 'VERSION', 'ARTIFACT', 'KIND', 'STARTED', 'OUTCOME', 'MESSAGE'],
            entries.map((h) => [String(h.deployment), String(h.revision), h.version, `sha256:${h.digest.slice(0, 12)}`, h.kind, h.startedAt.replace('T', ' ').slice(0, 19), h.outcome, h.message.slice(0, 80)]),
          ),
        );
        return EXIT.ok;
      }),
    );
}
