import { Option } from 'commander';
import type { StatusView } from '../api/views.ts';
import { EXIT } from './output.ts';
import type { Cli } from './program.ts';

/** Registers scanning, artifacts and encryption keys, policies, users, signing keys, approvals and the audit log. */
export function registerSecurityCommands(cli: Cli): void {
  const { program, client, run, svc } = cli;
  program
    .command('scan')
    .argument('<path>', "the service's folder (its package-lock.json and CycloneDX SBOMs are read)")
    .description('check an artifact for known vulnerabilities against an OSV advisory database')
    .option('--db <dir>', 'a folder of OSV JSON records, e.g. a GitHub Advisory Database or osv.dev export (env CUTOVER_ADVISORY_DB)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['none', 'low', 'medium', 'high', 'critical']).default('none'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(
      run(async (path: string, options: { db?: string; failOn: string; output: string }) => {
        const scan = await import('../supply-chain/scan/index.ts');
        const db = options.db ?? process.env.CUTOVER_ADVISORY_DB;
        if (!db) {
          process.stderr.write('error: no advisory database: pass --db DIR (a folder of OSV JSON records) or set CUTOVER_ADVISORY_DB\n');
          return EXIT.usage;
        }
        const report = await scan.scanArtifact(path, await scan.loadAdvisoryDatabase(db));
        process.stdout.write(options.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${scan.formatScanTable(report)}\n`);
        return scan.meetsThreshold(report.summary, options.failOn as 'none') ? EXIT.failed : EXIT.ok;
      }),
    );

  const artifact = program.command('artifact').description('artifacts: pack, export, the server\'s encryption recipient');
  artifact
    .command('pack')
    .argument('<dir>', "the service's folder")
    .requiredOption('-o, --output <file>', 'where to write the .tar.gz (sign it with `minisign -Sm FILE`)')
    .description('pack a folder exactly as apply does (same bytes, same digest), to sign it before deploying')
    .action(
      run(async (dir: string, options: { output: string }) => {
        const { packDirectory, sha256 } = await import('../supply-chain/pack.ts');
        const { writeFile } = await import('node:fs/promises');
        const data = await packDirectory(dir);
        await writeFile(options.output, data);
        process.stdout.write(`${options.output}: ${data.length} bytes, sha256:${sha256(data)}\n`);
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
    .requiredOption('-o, --output <file>', 'where to write the age-encrypted artifact')
    .option('--recipient <age1...>', "encrypt to this recipient (default: the server's own)")
    .description('export a stored artifact, age-encrypted: `age -d -i KEY FILE` gives back the tar.gz')
    .action(
      run(async (digest: string, options: { output: string; recipient?: string }) => {
        const query = options.recipient ? `?recipient=${encodeURIComponent(options.recipient)}` : '';
        const data = await client().request<ArrayBuffer>('GET', `/v1/artifacts/${encodeURIComponent(digest.replace(/^sha256:/, ''))}/export${query}`, undefined, undefined, 'binary');
        const { writeFile } = await import('node:fs/promises');
        await writeFile(options.output, Buffer.from(data), { mode: 0o600 });
        process.stdout.write(`${options.output}: ${data.byteLength} bytes (age)\n`);
        return EXIT.ok;
      }),
    );

  const keys = program.command('keys').description("the server's encryption keys (age) for artifacts at rest");
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
        await client().request('POST', `/v1/keys/${encodeURIComponent(id)}/retire`);
        process.stdout.write(`key ${id} retired\n`);
        return EXIT.ok;
      }),
    );

  program
    .command('policy')
    .description('deployment policies (CEL)')
    .command('test')
    .requiredOption('-f, --file <file>', 'the spec to try')
    .description("evaluate the policies (and signature and scan checks) on a spec and its artifact, without deploying")
    .action(
      run(async (options: { file: string }) => {
        const { loadSpecFile } = await import('../spec/index.ts');
        const { readArtifact } = await import('../supply-chain/artifact-source.ts');
        const { resolve } = await import('node:path');
        const { spec, document, baseDir } = await loadSpecFile(options.file);
        const { data, signature } = await readArtifact(resolve(baseDir, spec.artifact.path));
        const api = client();
        const { digest } = await api.request<{ digest: string }>('POST', '/v1/artifacts', undefined, { data, type: 'application/octet-stream' });
        const result = await api.request<{ report: string; policy: { allowed: boolean }; checks: { check: string; ok: boolean; message: string }[] }>('POST', '/v1/policy/test', { spec: document, artifact: { digest, ...(signature ? { signature } : {}) } });
        process.stdout.write(result.report.endsWith('\n') ? result.report : `${result.report}\n`);
        for (const check of result.checks.filter((c) => !c.check.startsWith('policy '))) process.stdout.write(`${check.ok ? '✓' : '✗'} ${check.check}: ${check.message}\n`);
        return result.checks.every((c) => c.ok) && result.policy.allowed ? EXIT.ok : EXIT.failed;
      }),
    );

  const collect = (value: string, previous: string[]) => [...previous, value];
  const user = program.command('user').description('users and their roles per environment (viewer, deployer, approver, admin)');
  user
    .command('add')
    .argument('<name>')
    .option('--role <role:environment>', 'a role on an environment, e.g. deployer:staging or approver:production (* = every environment); repeat it', collect, [])
    .option('--token', 'also issue a new token for an existing user')
    .description('add a user (and print a token once), or add roles to an existing one')
    .action(run(async (name: string, options: { role: string[]; token?: boolean }) => (await import('./commands/security.ts')).userAdd(client(), name, options)));
  user
    .command('remove')
    .argument('<name>')
    .action(
      run(async (name: string) => {
        await client().request('DELETE', `/v1/users/${svc(name)}`);
        process.stdout.write(`user ${name} removed (tokens deleted, keys revoked)\n`);
        return EXIT.ok;
      }),
    );
  user
    .command('list')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(run(async (options: { output: string }) => (await import('./commands/security.ts')).userList(client(), options)));

  const key = program.command('key').description("users' request-signing keys (HTTP Message Signatures, RFC 9421)");
  key
    .command('add')
    .argument('<user>')
    .addOption(new Option('--alg <alg>', 'key algorithm').choices(['ed25519', 'hmac-sha256']).default('ed25519'))
    .requiredOption('--out <file>', 'where to write the private key or secret (mode 0600)')
    .option('--keyid <id>', 'the key id (default: user-<time>)')
    .action(run(async (name: string, options: { alg: string; out: string; keyid?: string }) => (await import('./commands/security.ts')).keyAdd(client(), name, options)));
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

  program
    .command('approve')
    .argument('<deployment>', 'the deployment id (`cutover status SERVICE`)')
    .description('approve a deployment waiting for approval (not your own)')
    .action(
      run(async (id: string) => {
        const status = await client().request<StatusView>('POST', `/v1/deployments/${svc(id)}/approve`);
        process.stdout.write(`deployment ${id} of ${status.service} approved\n`);
        return EXIT.ok;
      }),
    );
  program
    .command('reject')
    .argument('<deployment>')
    .option('-m, --message <reason>', 'why')
    .description('reject a deployment waiting for approval: it ends Aborted, nothing started')
    .action(
      run(async (id: string, options: { message?: string }) => {
        const status = await client().request<StatusView>('POST', `/v1/deployments/${svc(id)}/reject`, { reason: options.message ?? '' });
        process.stdout.write(`deployment ${id} of ${status.service} rejected\n`);
        return EXIT.ok;
      }),
    );

  const audit = program.command('audit').description('the tamper-evident audit log of every mutating call');
  audit
    .command('list')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--limit <n>', 'entries', '100')
    .action(run(async (options: { output: string; limit: string }) => (await import('./commands/security.ts')).auditList(client(), options)));
  audit
    .command('verify')
    .description('check the hash chain; names the first entry edited, removed or reordered')
    .action(run(async () => (await import('./commands/security.ts')).auditVerify(client())));

}
