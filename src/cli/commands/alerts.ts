import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

interface SinkResult {
  sink: string;
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

/** Alert sinks: `cutover alerts test`. */
export function register(cli: Cli): void {
  const { program, client, run } = cli;

  program
    .command('alerts')
    .description('alert sinks')
    .command('test')
    .description('send a test alert to every configured sink and show what each answered')
    .action(
      run(async () => {
        const { results } = await client().request<{ results: SinkResult[] }>('POST', '/v1/alerts/test');
        for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.sink}: ${r.attempts} attempt(s)${r.status ? `, HTTP ${r.status}` : ''}${r.error ? `, ${r.error}` : ''}\n`);
        return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
      }),
    );
}
