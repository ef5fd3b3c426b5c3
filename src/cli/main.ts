import { Command, CommanderError, Option } from 'commander';
import { specJsonSchema } from '../spec/index.ts';
import { ApiClient, DEFAULT_DATA_DIR, DEFAULT_SERVER } from './client.ts';
import type { StatusView } from '../api/views.ts';
import { exitCodeOf, followDeployment } from './follow.ts';
import { EXIT, reportError } from './output.ts';

// Commands import their modules when they run, so `cutover status` does not load the server.
const program = new Command('cutover')
  .description('Deploy a service with rolling, blue-green or canary strategies; zero failed requests, automatic rollback.')
  .addOption(new Option('--server <url>', `control plane URL (env CUTOVER_SERVER, default ${DEFAULT_SERVER})`))
  .addOption(new Option('--data-dir <dir>', `where the server keeps state, artifacts and logs; other commands read its admin-token there when CUTOVER_TOKEN is unset (env CUTOVER_DATA_DIR, default ${DEFAULT_DATA_DIR})`))
  .showHelpAfterError()
  .exitOverride();

let exitCode: number = EXIT.ok;
const client = () => new ApiClient(program.opts<{ server?: string; dataDir?: string }>());
function run<A extends unknown[]>(action: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitCode = await action(...args);
  };
}
/** The data dir: --data-dir anywhere on the line, CUTOVER_DATA_DIR, or ./.cutover. */
const dataDir = () => program.opts<{ dataDir?: string }>().dataDir ?? process.env.CUTOVER_DATA_DIR ?? DEFAULT_DATA_DIR;
const svc = (name: string) => encodeURIComponent(name);

program
  .command('server')
  .description('run the control plane (HTTP API on 127.0.0.1:7400)')
  .option('--host <host>', 'address to listen on (loopback only)', '127.0.0.1')
  .option('--port <port>', 'port to listen on', '7400')
  .option('--log-level <level>', 'trace, debug, info, warn or error')
  .option('--config <file>', 'environments and alerts (default <data-dir>/config.yaml, optional)')
  .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (required for a non-loopback --host)')
  .option('--tls-key <file>', 'PEM private key for --tls-cert')
  .option('--insecure-listen-anywhere', 'allow a non-loopback --host without TLS (logged loudly)')
  .action(run(async (options: { host: string; port: string; logLevel?: string; config?: string; tlsCert?: string; tlsKey?: string; insecureListenAnywhere?: boolean }) =>
      (await import('./commands/server.ts')).serverCommand({ ...options, dataDir: dataDir() }),
    ));

program
  .command('router')
  .description("run a service's data-plane router by hand (the server normally starts it)")
  .requiredOption('--state-file <file>', 'where the router keeps its last config')
  .requiredOption('--admin-port <port>', 'port of the authenticated admin endpoint')
  .requiredOption('--token-file <file>', 'file holding the admin bearer token')
  .action(run(async (options: { stateFile: string; adminPort: string; tokenFile: string }) => (await import('./commands/router.ts')).routerCommand(options)));

program
  .command('apply')
  .description('deploy the spec in FILE (YAML or JSON)')
  .requiredOption('-f, --file <file>', 'the spec')
  .option('--wait', 'follow the deployment; exit 0 if it succeeded, 1 if not')
  .action(run(async (options: { file: string; wait?: boolean }) => (await import('./commands/apply.ts')).applyCommand(client(), options.file, options)));

program
  .command('status')
  .argument('<service>')
  .description("show a service's deployment: phase, step, weights, instances")
  .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
  .option('--watch', 'follow until the deployment ends')
  .action(run(async (service: string, options: { output?: string; watch?: boolean }) => (await import('./commands/status.ts')).statusCommand(client(), service, options)));

program
  .command('history')
  .argument('<service>')
  .description('list the deployments of a service: revision, version, artifact digest, when, outcome')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(run(async (service: string, options: { output?: string }) => (await import('./commands/status.ts')).historyCommand(client(), service, options)));

program
  .command('promote')
  .argument('<service>')
  .description('continue a paused deployment')
  .option('--wait', 'follow the deployment afterwards')
  .action(
    run(async (service: string, options: { wait?: boolean }) => {
      const status = await client().request<StatusView>('POST', `/v1/services/${svc(service)}/promote`);
      process.stdout.write(`${service}: promoted deployment ${status.deployment.id}\n`);
      return options.wait ? exitCodeOf(await followDeployment(client(), service, status.deployment.id)) : EXIT.ok;
    }),
  );

program
  .command('abort')
  .argument('<service>')
  .description('stop the deployment in progress and send all traffic back to the stable revision')
  .option('--wait', 'follow until the abort is done')
  .action(
    run(async (service: string, options: { wait?: boolean }) => {
      const status = await client().request<StatusView>('POST', `/v1/services/${svc(service)}/abort`);
      process.stdout.write(`${service}: aborting deployment ${status.deployment.id}\n`);
      if (options.wait) await followDeployment(client(), service, status.deployment.id);
      return EXIT.ok;
    }),
  );

program
  .command('rollback')
  .argument('<service>')
  .description('deploy an earlier revision (instant while its instances are warm)')
  .option('--to-revision <n>', 'the revision to go back to (default: the previous successful one)')
  .option('--wait', 'follow the rollback; exit 0 if it succeeded')
  .action(
    run(async (service: string, options: { toRevision?: string; wait?: boolean }) => {
      const toRevision = options.toRevision === undefined ? undefined : Number(options.toRevision);
      if (toRevision !== undefined && (!Number.isInteger(toRevision) || toRevision < 1)) {
        process.stderr.write(`error: --to-revision must be a revision number, got "${options.toRevision}"\n`);
        return EXIT.usage;
      }
      const result = await client().request<{ deployment: number; revision: number; status: StatusView }>('POST', `/v1/services/${svc(service)}/rollback`, toRevision === undefined ? {} : { toRevision });
      process.stdout.write(`${service}: rolling back to revision ${result.revision} (deployment ${result.deployment}, ${result.status.deployment.strategy})\n`);
      return options.wait ? exitCodeOf(await followDeployment(client(), service, result.deployment)) : EXIT.ok;
    }),
  );

program
  .command('logs')
  .argument('<service>')
  .description("print the service's instance logs")
  .option('--instance <id>', 'only this instance (also a stopped one)')
  .option('--lines <n>', 'lines per instance', '200')
  .action(
    run(async (service: string, options: { instance?: string; lines: string }) => {
      const query = new URLSearchParams({ lines: options.lines, ...(options.instance ? { instance: options.instance } : {}) });
      process.stdout.write(await client().request<string>('GET', `/v1/services/${svc(service)}/logs?${query}`));
      return EXIT.ok;
    }),
  );

program
  .command('delete')
  .argument('<service>')
  .description('drain and stop all instances and the router of a service (history is kept)')
  .action(
    run(async (service: string) => {
      await client().request('DELETE', `/v1/services/${svc(service)}`);
      process.stdout.write(`${service}: deleted (instances drained and stopped; history kept)\n`);
      return EXIT.ok;
    }),
  );

const env = program.command('env').description("environments and their rules");
env
  .command('list')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(run(async (options: { output: string }) => (await import('./commands/environments.ts')).envList(client(), options)));
env
  .command('show')
  .argument('<name>')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(run(async (name: string, options: { output: string }) => (await import('./commands/environments.ts')).envShow(client(), name, options)));

program
  .command('promote-env')
  .argument('<service>')
  .description('deploy exactly the artifact that succeeded in one environment to the next')
  .requiredOption('--from <environment>', 'where the artifact succeeded')
  .requiredOption('--to <environment>', 'where to deploy it')
  .option('--target <service>', 'deploy into this service (with its own spec) instead of moving SERVICE itself')
  .option('--wait', 'follow the deployment; exit 0 if it succeeded')
  .action(
    run(async (service: string, options: { from: string; to: string; target?: string; wait?: boolean }) => {
      const result = await client().request<{ deployment: number; revision: number; service: string; digest: string }>('POST', `/v1/services/${svc(service)}/promote-env`, {
        from: options.from,
        to: options.to,
        ...(options.target ? { target: options.target } : {}),
      });
      process.stdout.write(`${result.service}: deploying artifact sha256:${result.digest.slice(0, 12)} (from ${service} in ${options.from}) to ${options.to}: deployment ${result.deployment}, revision ${result.revision}\n`);
      return options.wait ? exitCodeOf(await followDeployment(client(), result.service, result.deployment)) : EXIT.ok;
    }),
  );

program
  .command('alerts')
  .description('alert sinks')
  .command('test')
  .description('send a test alert to every configured sink and show what each answered')
  .action(
    run(async () => {
      const { results } = await client().request<{ results: { sink: string; ok: boolean; attempts: number; status?: number; error?: string }[] }>('POST', '/v1/alerts/test');
      for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.sink}: ${r.attempts} attempt(s)${r.status ? `, HTTP ${r.status}` : ''}${r.error ? `, ${r.error}` : ''}\n`);
      return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
    }),
  );

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

const lock = program.command('lock').description('deploy locks: while a service is locked, nothing deploys it');
lock
  .command('acquire')
  .argument('<service>')
  .requiredOption('-m, --message <message>', 'why (shown to whoever tries to deploy)')
  .action(
    run(async (service: string, options: { message: string }) => {
      await client().request('POST', `/v1/locks/${svc(service)}`, { message: options.message });
      process.stdout.write(`${service}: locked ("${options.message}")\n`);
      return EXIT.ok;
    }),
  );
lock
  .command('release')
  .argument('<service>')
  .action(
    run(async (service: string) => {
      await client().request('DELETE', `/v1/locks/${svc(service)}`);
      process.stdout.write(`${service}: unlocked\n`);
      return EXIT.ok;
    }),
  );
lock
  .command('status')
  .argument('<service>')
  .action(
    run(async (service: string) => {
      const { lock: held } = await client().request<{ lock: { holder: string; message: string; acquiredAt: number } | null }>('GET', `/v1/locks/${svc(service)}`);
      process.stdout.write(held ? `${service}: locked by ${held.holder} since ${new Date(held.acquiredAt).toISOString()}: "${held.message}"\n` : `${service}: not locked\n`);
      return EXIT.ok;
    }),
  );

program
  .command('schema')
  .description('print the JSON Schema of the spec, for editors')
  .action(
    run(async () => {
      process.stdout.write(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
      return EXIT.ok;
    }),
  );

program
  .command('demo')
  .description('a narrated tour: a canary that succeeds and a release that fails and rolls back, under steady traffic')
  .option('--rate <n>', 'requests per second of the steady traffic', '200')
  .action(run(async (options: { rate: string }) => (await import('./commands/demo.ts')).demoCommand({ rate: Number(options.rate) })));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    exitCode = reportError(error);
  }
}
process.exitCode = exitCode;
