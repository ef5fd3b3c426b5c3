import type { HistoryEntry } from '../../api/views.ts';
import { servicePath } from '../../client/index.ts';
import { EXIT } from '../exit.ts';
import { envOption, outputOption, type OutputFormat } from '../options.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

/** `cutover history SERVICE`: every deployment of a service. */
export function register(cli: Cli): void {
  const { program, client, run, target } = cli;

  program
    .command('history')
    .argument('<service>')
    .description('list the deployments of a service: revision, version, artifact digest, when, outcome')
    .addOption(envOption())
    .addOption(outputOption())
    .action(
      run(async (service: string, options: { env?: string; output: OutputFormat }) => {
        const api = client();
        const { history } = await api.request<{ history: HistoryEntry[] }>('GET', servicePath(await target(api, service, options.env), '/history'));
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
