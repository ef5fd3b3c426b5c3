import { writeFile } from 'node:fs/promises';
import { Option } from 'commander';
import { EXIT, UsageError } from '../exit.ts';
import type { Cli } from '../cli.ts';

/** Artifacts: pack one to sign it, the server's encryption recipient, export a stored one. */
export function register(cli: Cli): void {
  const { program, client, run, svc } = cli;

  const artifact = program.command('artifact').description("artifacts: pack, export, the server's encryption recipient");
  artifact
    .command('pack')
    .argument('<dir>', "the service's folder")
    .option('--out <file>', 'where to write the .tar.gz (sign it with `minisign -Sm FILE`)')
    .addOption(formerOutOption())
    .description('pack a folder exactly as apply does (same bytes, same digest), to sign it before deploying')
    .action(
      run(async (dir: string, options: { out?: string; output?: string }) => {
        const out = outFile('artifact pack', options);
        // tar loads only here.
        const { packDirectory, sha256 } = await import('../../supply-chain/pack.ts');
        const data = await packDirectory(dir);
        await writeFile(out, data);
        process.stdout.write(`${out}: ${data.length} bytes, sha256:${sha256(data)}\n`);
        return EXIT.ok;
      }),
    );

  artifact
    .command('recipient')
    .description("print this server's age recipient: encrypt uploads to it with `age -r`")
    .action(
      run(async () => {
        const { recipient } = await client().request<{ recipient: string }>('GET', '/v1/artifacts/recipient');
        process.stdout.write(`${recipient}\n`);
        return EXIT.ok;
      }),
    );

  artifact
    .command('export')
    .argument('<digest>', 'the artifact digest (see `cutover history`)')
    .option('--out <file>', 'where to write the age-encrypted artifact (mode 0600)')
    .addOption(formerOutOption())
    .option('--recipient <age1...>', "encrypt to this recipient (default: the server's own)")
    .description('export a stored artifact, age-encrypted: `age -d -i KEY FILE` gives back the tar.gz')
    .action(
      run(async (digest: string, options: { out?: string; output?: string; recipient?: string }) => {
        const out = outFile('artifact export', options);
        const query = options.recipient ? `?recipient=${encodeURIComponent(options.recipient)}` : '';
        const data = await client().download(`/v1/artifacts/${svc(digest.replace(/^sha256:/, ''))}/export${query}`);
        await writeFile(out, data, { mode: 0o600 });
        process.stdout.write(`${out}: ${data.byteLength} bytes (age)\n`);
        return EXIT.ok;
      }),
    );
}

/** `-o FILE`, as these commands once spelled `--out`: still taken, hidden from help, since `-o` names an output format everywhere else. */
function formerOutOption(): Option {
  return new Option('-o, --output <file>').hideHelp();
}

function outFile(command: string, options: { out?: string; output?: string }): string {
  if (options.out && options.output) throw new UsageError(`${command} takes one file: give --out FILE only`);
  const out = options.out ?? options.output;
  if (!out) throw new UsageError(`${command} needs --out FILE: where to write the artifact`);
  if (options.output) process.stderr.write(`note: \`${command} -o FILE\` is now \`${command} --out FILE\`; -o names an output format in every other command\n`);
  return out;
}
