import { EXIT } from '../exit.ts';
import { integerIn } from '../options.ts';
import type { Cli } from '../cli.ts';

/** `cutover router`: one service's data plane in this process, until SIGTERM or SIGINT. The server normally starts it. */
export function register(cli: Cli): void {
  const { program, run } = cli;

  program
    .command('router')
    .description("run a service's data-plane router by hand (the server normally starts it)")
    .requiredOption('--state-file <file>', 'where the router keeps its last config')
    .requiredOption('--admin-port <port>', 'port of the authenticated admin endpoint', integerIn(0, 65535))
    .requiredOption('--token-file <file>', 'file holding the admin bearer token')
    .option('--metrics-token-file <file>', 'file holding a token that may only read GET /metrics (for Prometheus)')
    .action(
      run(async (options: { stateFile: string; adminPort: number; tokenFile: string; metricsTokenFile?: string }) => {
        // The data plane: loaded only to run it.
        const { runRouter } = await import('../../router/index.ts');
        const { stateFile, adminPort, tokenFile, metricsTokenFile } = options;
        const router = await runRouter({ stateFile, adminPort, tokenFile, exitOnSignal: true, ...(metricsTokenFile ? { metricsTokenFile } : {}) });
        await router.stopped;
        return EXIT.ok;
      }),
    );
}
