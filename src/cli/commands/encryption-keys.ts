import type { Command } from 'commander';
import { withFormerName } from '../aliases.ts';
import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/**
 * The server's encryption keys (age) for artifacts and secrets at rest:
 * `encryption-key list|rotate|retire` (`keys` before, kept hidden for one
 * release; it was too close to `key`, users' signing keys).
 */
export function register(cli: Cli): void {
  withFormerName(cli.program, 'encryption-key', 'keys', (group) => build(cli, group));
}

function build(cli: Cli, keys: Command): void {
  const { client, run, svc } = cli;
  keys.description("the server's encryption keys (age) for artifacts and secrets at rest");
  keys
    .command('list')
    .action(
      run(async () => {
        const result = await client().request<{ current: string; keys: { id: string; recipient: string; artifacts: number }[] }>('GET', '/v1/keys');
        for (const key of result.keys) process.stdout.write(`${key.id === result.current ? '*' : ' '} ${key.id}  ${key.recipient}  ${key.artifacts} artifact(s)\n`);
        return EXIT.ok;
      }),
    );
  keys
    .command('rotate')
    .description('make a new key current and re-encrypt every stored artifact to it, while serving')
    .action(
      run(async () => {
        const result = await client().request<{ key: string; recipient: string; reencrypted: number; unchanged: number; failed: { digest: string; message: string }[] }>('POST', '/v1/keys/rotate');
        process.stdout.write(`key ${result.key} is current (${result.recipient}); re-encrypted ${result.reencrypted} artifact(s)${result.failed.length ? `, ${result.failed.length} failed` : ''}\n`);
        for (const failure of result.failed) process.stderr.write(`  sha256:${failure.digest}: ${failure.message}\n`);
        return result.failed.length ? EXIT.failed : EXIT.ok;
      }),
    );
  keys
    .command('retire')
    .argument('<id>')
    .description('delete an old key once no artifact uses it')
    .action(
      run(async (id: string) => {
        await client().request('POST', `/v1/keys/${svc(id)}/retire`);
        process.stdout.write(`key ${id} retired\n`);
        return EXIT.ok;
      }),
    );
}
