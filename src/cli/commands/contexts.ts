import { accessSync, constants, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { configPath, CONTEXT_NAME, contextProblems, readConfig, selectedContext, writeConfig, type CliConfig, type Context } from '../contexts/index.ts';
import { EXIT, UsageError } from '../exit.ts';
import { outputOption, type OutputFormat } from '../options.ts';
import { print, table } from '../output.ts';
import type { Cli } from '../cli.ts';

/** How a context's credentials are shown: never the token itself. */
type CredentialsView = { kind: 'tokenFile'; path: string } | { kind: 'token' } | { kind: 'signingKey'; keyId: string; keyFile: string } | { kind: 'none' };

interface ContextView {
  name: string;
  server: string;
  credentials: CredentialsView;
  current: boolean;
}

/**
 * Named contexts, each a server and its credentials, kept in
 * `$XDG_CONFIG_HOME/cutover/config.yaml` (0600, folder 0700): context add,
 * use, list, current, remove. `--context NAME` or CUTOVER_CONTEXT picks one
 * for a single command.
 */
export function register(cli: Cli): void {
  const { program, run } = cli;
  const group = program.command('context').description('named contexts: a server and its credentials, kept in ~/.config/cutover/config.yaml (mode 0600)');

  group
    .command('add')
    .argument('<name>')
    .usage('<name> --server <url> [--token-file <file> | --token-stdin | --key-id <id> --key-file <file>] [--use]')
    // --server is cutover's own flag (accepted after any command), read here as the context's URL.
    .description('add a context: a server URL (--server) and how to authenticate to it (the first one added is put in use)')
    .option('--token-file <file>', 'a file holding a token (its path is stored, not the token), e.g. a server\'s <data-dir>/admin-token')
    .option('--token-stdin', 'read a token from stdin and store it in the config file itself (0600), for a token `cutover user add` printed once')
    .option('--key-id <id>', 'a signing key id (with --key-file)')
    .option('--key-file <file>', 'the key `cutover signing-key add --out FILE` wrote (its path is stored)')
    .option('--use', 'put it in use now')
    .action(
      run(async (name: string, options: { tokenFile?: string; tokenStdin?: boolean; keyId?: string; keyFile?: string; use?: boolean }) => {
        if (!CONTEXT_NAME.test(name)) throw new UsageError(`"${name}" is not a context name: letters, digits, ".", "_" and "-", starting with a letter or digit`);
        const config = readConfig() ?? { contexts: {} };
        if (config.contexts[name]) throw new UsageError(`context ${name} exists already (${config.contexts[name].server}); \`cutover context remove ${name}\` first to replace it`);
        const server = program.opts<{ server?: string }>().server;
        if (!server) throw new UsageError(`the context needs a server: \`cutover context add ${name} --server URL\``);
        const context: Context = { server: server.replace(/\/$/, '') };
        if (options.tokenFile) context.tokenFile = readable(options.tokenFile, '--token-file');
        if (options.tokenStdin) context.token = readStdinToken();
        if (options.keyId !== undefined) context.keyId = options.keyId;
        if (options.keyFile) context.keyFile = readable(options.keyFile, '--key-file');
        const problems = contextProblems(context, name);
        if (problems.length) {
          const flag: Record<string, string> = { server: '--server', tokenFile: '--token-file', token: '--token-stdin', keyId: '--key-id', keyFile: '--key-file' };
          throw new UsageError(problems.map((p) => `${flag[p.path.slice(name.length + 1)] ?? 'credentials'}: ${p.message.replace(/tokenFile, token, or keyId with keyFile/, '--token-file, --token-stdin, or --key-id with --key-file').replace(/keyId and keyFile/, '--key-id and --key-file')}`).join('; '));
        }
        config.contexts[name] = context;
        const inUse = options.use || !config.currentContext;
        if (inUse) config.currentContext = name;
        writeConfig(config);
        process.stdout.write(`context ${name} added (${context.server}, ${credentialsText(view(name, context, config).credentials)})${inUse ? '; in use' : `; \`cutover context use ${name}\` to use it`}\n`);
        return EXIT.ok;
      }),
    );

  group
    .command('use')
    .argument('<name>')
    .description('use this context from now on (until another `context use`; --context and CUTOVER_CONTEXT still win for one command)')
    .action(
      run(async (name: string) => {
        const config = existing(name);
        config.currentContext = name;
        writeConfig(config);
        process.stdout.write(`using context ${name} (${config.contexts[name]!.server})\n`);
        return EXIT.ok;
      }),
    );

  group
    .command('list')
    .description('every context; * marks the current one')
    .addOption(outputOption())
    .action(
      run(async (options: { output: OutputFormat }) => {
        const config = readConfig() ?? { contexts: {} };
        const contexts = Object.entries(config.contexts).map(([name, context]) => view(name, context, config));
        print(options.output, { current: config.currentContext ?? null, contexts }, ({ contexts: rows }) =>
          rows.length
            ? table(['CURRENT', 'NAME', 'SERVER', 'CREDENTIALS'], rows.map((c) => [c.current ? '*' : '', c.name, c.server, credentialsText(c.credentials)]))
            : `no contexts in ${configPath()}; \`cutover context add NAME --server URL --token-file FILE\` makes one`,
        );
        return EXIT.ok;
      }),
    );

  group
    .command('current')
    .description('the context a command would use here, and what chose it (--context, CUTOVER_CONTEXT or `context use`)')
    .action(
      run(async () => {
        const selected = selectedContext(program.opts());
        if (!selected) {
          process.stderr.write(`no context in use: commands use --server / CUTOVER_SERVER and CUTOVER_TOKEN or ./.cutover/admin-token; \`cutover context use NAME\` picks one\n`);
          return EXIT.failed;
        }
        const by = selected.chosenBy === 'currentContext' ? `current in ${selected.file}` : `from ${selected.chosenBy}`;
        process.stdout.write(`${selected.name} (${selected.context.server}; ${by})\n`);
        return EXIT.ok;
      }),
    );

  group
    .command('remove')
    .argument('<name>')
    .description('forget a context (the token and key files it names are left alone)')
    .action(
      run(async (name: string) => {
        const config = existing(name);
        delete config.contexts[name];
        const wasCurrent = config.currentContext === name;
        if (wasCurrent) delete config.currentContext;
        writeConfig(config);
        process.stdout.write(`context ${name} removed${wasCurrent ? '; no context is in use now' : ''}\n`);
        return EXIT.ok;
      }),
    );
}

/** The config, which has a context `name`; else a usage error listing the ones it has. */
function existing(name: string): CliConfig {
  const config = readConfig() ?? { contexts: {} };
  if (!config.contexts[name]) {
    const names = Object.keys(config.contexts);
    throw new UsageError(`no context named "${name}" in ${configPath()}; ${names.length ? `there are: ${names.join(', ')}` : 'there are none: `cutover context add NAME --server URL` makes one'}`);
  }
  return config;
}

function view(name: string, context: Context, config: CliConfig): ContextView {
  const credentials: CredentialsView = context.keyId && context.keyFile
    ? { kind: 'signingKey', keyId: context.keyId, keyFile: context.keyFile }
    : context.token
      ? { kind: 'token' }
      : context.tokenFile
        ? { kind: 'tokenFile', path: context.tokenFile }
        : { kind: 'none' };
  return { name, server: context.server, credentials, current: config.currentContext === name };
}

function credentialsText(credentials: CredentialsView): string {
  switch (credentials.kind) {
    case 'tokenFile':
      return `token from ${credentials.path}`;
    case 'token':
      return 'token (in the config file)';
    case 'signingKey':
      return `signing key ${credentials.keyId} (${credentials.keyFile})`;
    case 'none':
      return 'no credentials';
    default: {
      const unknown: never = credentials;
      return String(unknown);
    }
  }
}

/** An absolute path to a file this user can read: checked now, so a typo fails here rather than at the next command. */
function readable(file: string, flag: string): string {
  const path = resolve(file);
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}; name a file you can read`);
  }
  return path;
}

function readStdinToken(): string {
  let token: string;
  try {
    token = readFileSync(0, 'utf8').trim();
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, `--token-stdin: cannot read stdin (${(error as Error).message}); pipe the token in: \`echo "$TOKEN" | cutover context add …\``, { cause: error });
  }
  if (!token || /\s/.test(token)) throw new UsageError('--token-stdin: expected one token on stdin (no spaces); pipe it in: `cutover context add NAME --server URL --token-stdin < token.txt`');
  return token;
}
