import { readFileSync } from 'node:fs';
import type { ClientOptions } from '../../client/index.ts';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { UsageError } from '../exit.ts';
import { configPath, readConfig, type CliConfig, type Context } from './config-file.ts';

/** The flags `cutover` takes before or after any command that say where the server is. */
export interface GlobalFlags {
  server?: string;
  dataDir?: string;
  context?: string;
}

/** The context in effect, and what chose it. */
export interface SelectedContext {
  name: string;
  context: Context;
  chosenBy: '--context' | 'CUTOVER_CONTEXT' | 'currentContext';
  file: string;
}

/** An environment variable, or undefined when it is unset or empty (`CUTOVER_TOKEN=` unsets it, as in a test harness). */
function set(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || undefined;
}

/**
 * The context in effect: `--context NAME`, else CUTOVER_CONTEXT, else the
 * config file's currentContext, else none. A name that is not in the file
 * is a usage error listing the names there are.
 */
export function selectedContext(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env, read: (file: string) => CliConfig | null = readConfig): SelectedContext | null {
  const file = configPath(env);
  const asked = flags.context ? { name: flags.context, chosenBy: '--context' as const } : set(env, 'CUTOVER_CONTEXT') ? { name: env.CUTOVER_CONTEXT!, chosenBy: 'CUTOVER_CONTEXT' as const } : null;
  const config = read(file);
  const chosen = asked ?? (config?.currentContext ? { name: config.currentContext, chosenBy: 'currentContext' as const } : null);
  if (!chosen) return null;
  const context = config?.contexts[chosen.name];
  if (!context) {
    const names = Object.keys(config?.contexts ?? {});
    throw new UsageError(
      `no context named "${chosen.name}" (${chosen.chosenBy}) in ${file}; ${names.length ? `there are: ${names.join(', ')}` : 'there are none'}. \`cutover context add ${chosen.name} --server URL --token-file FILE\` makes it`,
    );
  }
  return { ...chosen, context, file };
}

/**
 * What the API client uses, setting by setting: a flag, else its environment
 * variable, else the context in effect, else what works without contexts.
 * - server: --server, CUTOVER_SERVER, the context's server, http://127.0.0.1:7400.
 * - credentials: CUTOVER_TOKEN or CUTOVER_KEY_ID + CUTOVER_KEY_FILE; else a data dir named
 *   by --data-dir or CUTOVER_DATA_DIR (its admin-token); else the context's credentials;
 *   else ./.cutover/admin-token. With a context in effect that last step never happens: a
 *   local server's admin token is not sent to the context's server.
 * `note` hears when a setting overrides the context that was asked for by name.
 */
export function clientOptions(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env, note: (text: string) => void = () => undefined, read?: (file: string) => CliConfig | null): ClientOptions {
  const dataDir = flags.dataDir ? { dataDir: flags.dataDir } : {};
  const serverBy = flags.server ? '--server' : set(env, 'CUTOVER_SERVER') ? 'CUTOVER_SERVER' : null;
  const credentialsBy = set(env, 'CUTOVER_TOKEN')
    ? 'CUTOVER_TOKEN'
    : set(env, 'CUTOVER_KEY_ID') && set(env, 'CUTOVER_KEY_FILE')
      ? 'CUTOVER_KEY_ID and CUTOVER_KEY_FILE'
      : flags.dataDir
        ? '--data-dir'
        : set(env, 'CUTOVER_DATA_DIR')
          ? 'CUTOVER_DATA_DIR'
          : null;
  // Everything said by flags and variables, and no context asked for by name: the config file is not read
  // (so a script that sets them all runs the same whatever the user's contexts, or a broken config file, are).
  const asked = Boolean(flags.context || set(env, 'CUTOVER_CONTEXT'));
  const selected = serverBy && credentialsBy && !asked ? null : selectedContext(flags, env, read);
  const server = flags.server ?? set(env, 'CUTOVER_SERVER') ?? selected?.context.server;
  const base = { ...(server ? { server } : {}), ...dataDir, ...(selected && !serverBy ? { serverFrom: `context ${selected.name}` } : {}) };
  if (!selected) return base;
  if (selected.chosenBy !== 'currentContext') {
    if (serverBy) note(`${serverBy} overrides the server of context ${selected.name}`);
    if (credentialsBy) note(`${credentialsBy} overrides the credentials of context ${selected.name}`);
  }
  if (credentialsBy) return base;
  const { context, name } = selected;
  if (context.keyId && context.keyFile) return { ...base, signingKey: { keyid: context.keyId, file: context.keyFile } };
  if (context.token) return { ...base, token: context.token };
  if (context.tokenFile) return { ...base, token: readTokenFile(context.tokenFile, name) };
  return { ...base, token: '' };
}

function readTokenFile(file: string, name: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidConfig, `context ${name}: cannot read its token file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); put the token back there, or \`cutover context remove ${name}\` and add it again`, {
      cause: error,
      context: { file },
    });
  }
}
