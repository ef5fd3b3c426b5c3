import { EXIT } from '../exit.ts';
import { outputOption, type OutputFormat } from '../options.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  status?: number;
  from: string;
}

/** The tamper-evident audit log: audit list, audit head, audit verify. */
export function register(cli: Cli): void {
  const { program, client, run } = cli;

  const audit = program.command('audit').description('the tamper-evident audit log of every mutating call');
  audit
    .command('list')
    .addOption(outputOption())
    .option('--limit <n>', 'entries', '100')
    .action(
      run(async (options: { output: OutputFormat; limit: string }) => {
        const { entries } = await client().request<{ entries: AuditEntryView[] }>('GET', `/v1/audit?limit=${Number(options.limit) || 100}`);
        print(options.output, entries, (list) =>
          table(
            ['SEQ', 'WHEN', 'WHO', 'WHAT', 'TARGET', 'OUTCOME', 'FROM'],
            list.map((e) => [String(e.seq), e.at.replace('T', ' ').slice(0, 19), e.actor, e.action, e.target, `${e.outcome}${e.status ? ` ${e.status}` : ''}`, e.from]),
          ),
        );
        return EXIT.ok;
      }),
    );
  audit
    .command('head')
    .description('print the last entry as SEQ:HASH; keep it somewhere the server cannot write, and check the log with `audit verify --head` later')
    .action(
      run(async () => {
        const head = await client().request<{ seq: number; hash: string }>('GET', '/v1/audit/head');
        process.stdout.write(`${head.seq}:${head.hash}\n`);
        return EXIT.ok;
      }),
    );
  audit
    .command('verify')
    .option('--head <seq:hash>', 'a head saved earlier (`cutover audit head`): also finds entries removed from the end, or a log rewritten with its hashes recomputed')
    .description('check the hash chain; names the first entry edited, removed or reordered')
    .action(
      run(async (options: { head?: string }) => {
        const query = options.head ? `?head=${encodeURIComponent(options.head)}` : '';
        const result = await client().request<{ ok: boolean; entries?: number; message?: string }>('GET', `/v1/audit/verify${query}`);
        if (result.ok) {
          const against = options.head ? ` and the saved head ${options.head.split(':')[0]} is still in it, unchanged` : ' (entries removed from the end show only with --head)';
          process.stdout.write(`audit log intact: ${result.entries} entries, each linked to the one before${against}\n`);
          return EXIT.ok;
        }
        process.stdout.write(`audit log TAMPERED: ${result.message}\n`);
        return EXIT.failed;
      }),
    );
}
