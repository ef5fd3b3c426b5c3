import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { withFormerName } from '../aliases.ts';
import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/**
 * Users' request-signing keys (HTTP Message Signatures, RFC 9421):
 * `signing-key add|revoke` (`key` before, kept hidden for one release; it was
 * too close to `keys`, the server's encryption keys).
 */
export function register(cli: Cli): void {
  withFormerName(cli.program, 'signing-key', 'key', (group) => build(cli, group));
}

function build(cli: Cli, key: Command): void {
  const { client, run, svc } = cli;
  key.description("users' request-signing keys (HTTP Message Signatures, RFC 9421)");
  // An Ed25519 key pair made here (the private key is written to --out with
  // mode 0600 and never leaves this machine; the server gets the public key),
  // or an HMAC secret made by the server and shown once.
  key
    .command('add')
    .argument('<user>')
    .addOption(new Option('--alg <alg>', 'key algorithm').choices(['ed25519', 'hmac-sha256']).default('ed25519'))
    .requiredOption('--out <file>', 'where to write the private key or secret (mode 0600)')
    .option('--keyid <id>', 'the key id (default: user-<time>)')
    .action(
      run(async (user: string, options: { alg: 'ed25519' | 'hmac-sha256'; out: string; keyid?: string }) => {
        const path = `/v1/users/${svc(user)}/keys`;
        const keyid = options.keyid ? { keyid: options.keyid } : {};
        let added: { keyid: string };
        let what: string;
        if (options.alg === 'ed25519') {
          const { publicKey, privateKey } = generateKeyPairSync('ed25519');
          added = await client().request<{ keyid: string }>('POST', path, { alg: 'ed25519', publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), ...keyid });
          await writeFile(options.out, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
          what = 'private key';
        } else {
          const made = await client().request<{ keyid: string; secret: string }>('POST', path, { alg: 'hmac-sha256', ...keyid });
          await writeFile(options.out, `${made.secret}\n`, { mode: 0o600 });
          added = made;
          what = 'secret';
        }
        process.stdout.write(`key ${added.keyid} (${options.alg}) for ${user}; ${what} in ${options.out}\nsign with: export CUTOVER_KEY_ID=${added.keyid} CUTOVER_KEY_FILE=${options.out}\n`);
        return EXIT.ok;
      }),
    );
  key
    .command('revoke')
    .argument('<keyid>')
    .action(
      run(async (keyid: string) => {
        await client().request('DELETE', `/v1/signing-keys/${svc(keyid)}`);
        process.stdout.write(`key ${keyid} revoked\n`);
        return EXIT.ok;
      }),
    );
}
