import { chmodSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type * as Yaml from 'yaml';
import { CutoverError, ErrorCode, type FieldProblem } from '../../core/errors.ts';

/** YAML loads only when a config file exists, so a CLI without contexts stays as quick as before. */
const load = createRequire(import.meta.url);

/**
 * A named server and the credentials to use with it. Credentials are one
 * of: a path to a file holding a token (`tokenFile`: the secret stays where
 * it was made, e.g. a server's admin-token, and a rotated file is picked
 * up), the token itself (`token`, kept only in this 0600 file: for a token
 * printed once by `cutover user add`), a signing key (`keyId` + `keyFile`,
 * as `cutover signing-key add` wrote it), or none (the server's anonymous
 * routes, or CUTOVER_TOKEN).
 */
export interface Context {
  server: string;
  tokenFile?: string;
  token?: string;
  keyId?: string;
  keyFile?: string;
}

/** The CLI's config file: named contexts and the one in use. */
export interface CliConfig {
  currentContext?: string;
  contexts: Record<string, Context>;
}

/** Context names: what a shell word and a YAML key take without quoting. */
export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** `$XDG_CONFIG_HOME/cutover/config.yaml`, or `~/.config/cutover/config.yaml` (a relative XDG_CONFIG_HOME is ignored, as the spec says). */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'cutover', 'config.yaml');
}

/**
 * Reads the config file, or null when there is none. As ssh does with its
 * keys, a file others could read or write (it can hold tokens), or that
 * someone else owns, or in a folder others can write, is refused, saying how
 * to fix it: never read and half-trusted.
 */
export function readConfig(file: string = configPath()): CliConfig | null {
  if (!existsSync(file)) return null;
  checkPrivate(file);
  let document: unknown;
  try {
    document = (load('yaml') as typeof Yaml).parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidConfig, `${file} is not valid YAML: ${(error as Error).message}; fix it, or remove it and add the contexts again`, { cause: error, context: { file } });
  }
  const problems: FieldProblem[] = [];
  const config = checkConfig(document ?? {}, problems);
  if (problems.length) throw new CutoverError(ErrorCode.InvalidConfig, `${file} has ${problems.length} problem(s); fix them, or remove the file and add the contexts again`, { problems, context: { file } });
  return config;
}

/** Writes the config file whole: a 0700 folder, a 0600 file, replaced atomically (a crash leaves the old file or the new one). */
export function writeConfig(config: CliConfig, file: string = configPath()): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const text = `# cutover CLI contexts: \`cutover context add|use|remove\` edit this file (keep it mode 0600)\n${(load('yaml') as typeof Yaml).stringify(config)}`;
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

function checkPrivate(file: string): void {
  const own = process.getuid?.();
  const stat = lstatSync(file);
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  if (!stat.isFile()) throw refuse(file, `${file} is not a regular file; make it one: \`cutover context\` writes it`);
  if (own !== undefined && stat.uid !== own) throw refuse(file, `${file} belongs to uid ${stat.uid}, not to you (uid ${own}); it names the servers and credentials you use, so only yours is read: remove it or \`chown ${own} ${file}\``);
  if ((stat.mode & 0o066) !== 0) throw refuse(file, `${file} can be read or written by others (mode ${mode}); it can hold tokens: \`chmod 600 ${file}\``);
  const dir = dirname(file);
  const dirMode = statSync(dir).mode;
  if ((dirMode & 0o022) !== 0) throw refuse(file, `${dir} can be written by others (mode ${(dirMode & 0o777).toString(8).padStart(4, '0')}), who could replace ${file}: \`chmod 700 ${dir}\``);
}

function refuse(file: string, message: string): CutoverError {
  return new CutoverError(ErrorCode.InvalidConfig, message, { context: { file } });
}

const CONTEXT_FIELDS = ['server', 'tokenFile', 'token', 'keyId', 'keyFile'] as const;

/** The config as read, checked by hand (zod would load on every command); every problem at once, named by its path. */
function checkConfig(document: unknown, problems: FieldProblem[]): CliConfig {
  const config: CliConfig = { contexts: {} };
  if (!isObject(document)) {
    problems.push({ path: '', message: 'expected a mapping with currentContext and contexts' });
    return config;
  }
  for (const key of Object.keys(document)) if (key !== 'currentContext' && key !== 'contexts') problems.push({ path: key, message: 'unknown field (expected currentContext, contexts)' });
  const { currentContext, contexts = {} } = document;
  if (currentContext !== undefined && currentContext !== null) {
    if (typeof currentContext !== 'string') problems.push({ path: 'currentContext', message: 'expected a context name' });
    else config.currentContext = currentContext;
  }
  if (!isObject(contexts)) {
    problems.push({ path: 'contexts', message: 'expected a mapping of context names to { server, tokenFile | token | keyId + keyFile }' });
    return config;
  }
  for (const [name, value] of Object.entries(contexts)) {
    const at = `contexts.${name}`;
    if (!CONTEXT_NAME.test(name)) problems.push({ path: at, message: 'a context name is letters, digits, ".", "_" and "-"' });
    if (!isObject(value)) {
      problems.push({ path: at, message: 'expected { server, tokenFile | token | keyId + keyFile }' });
      continue;
    }
    const context: Partial<Context> = {};
    for (const [field, fieldValue] of Object.entries(value)) {
      if (!(CONTEXT_FIELDS as readonly string[]).includes(field)) problems.push({ path: `${at}.${field}`, message: `unknown field (expected ${CONTEXT_FIELDS.join(', ')})` });
      else if (typeof fieldValue !== 'string' || !fieldValue) problems.push({ path: `${at}.${field}`, message: 'expected a non-empty string' });
      else context[field as (typeof CONTEXT_FIELDS)[number]] = fieldValue;
    }
    problems.push(...contextProblems(context, at));
    if (context.server) config.contexts[name] = context as Context;
  }
  if (config.currentContext !== undefined && !(config.currentContext in config.contexts) && !problems.length) {
    problems.push({ path: 'currentContext', message: `names no context (${Object.keys(config.contexts).join(', ') || 'there are none'})` });
  }
  return config;
}

/** What makes one context valid: a server URL, and at most one kind of credentials. */
export function contextProblems(context: Partial<Context>, at: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!context.server) problems.push({ path: `${at}.server`, message: 'required: the control plane URL, e.g. https://cutover.example.com:7400' });
  else if (!/^https?:\/\/[^/\s]+/.test(context.server) || !URL.canParse(context.server)) problems.push({ path: `${at}.server`, message: 'expected an http:// or https:// URL' });
  const kinds = [context.tokenFile, context.token, context.keyId ?? context.keyFile].filter((v) => v !== undefined).length;
  if (kinds > 1) problems.push({ path: at, message: 'give one kind of credentials: tokenFile, token, or keyId with keyFile' });
  if ((context.keyId === undefined) !== (context.keyFile === undefined)) problems.push({ path: `${at}.${context.keyId === undefined ? 'keyId' : 'keyFile'}`, message: 'a signing key needs both keyId and keyFile' });
  for (const field of ['tokenFile', 'keyFile'] as const) {
    const path = context[field];
    if (path !== undefined && !isAbsolute(path)) problems.push({ path: `${at}.${field}`, message: 'expected an absolute path (`cutover context add` makes it absolute)' });
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
