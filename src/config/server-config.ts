import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { parsePolicies, type CompiledPolicy } from '../supply-chain/policy/index.ts';
import { CutoverError, ErrorCode, messageOf, type FieldProblem } from '../core/errors.ts';
import { parseEnvironments } from '../environments/config.ts';
import type { Environment } from '../environments/types.ts';
import { parseAlertsConfig, type AlertsConfig } from '../monitoring/alerts/index.ts';
import { parseIsolationConfig, type IsolationConfig } from '../platforms/index.ts';
import { parseLimitsConfig, type ServerLimits } from './limits.ts';
import { checkStoreUrl } from '../store/url.ts';

/** The server's config file (`--config`, default `<data-dir>/config.yaml`): environments, alerts, policies, security, isolation, limits. */
export interface ServerConfig {
  file: string;
  environments: Record<string, Environment>;
  alerts: AlertsConfig;
  /** The deployment policies: the defaults and the config's own, compiled. */
  policies: CompiledPolicy[];
  /** A folder of OSV records to scan artifacts against; without it artifacts are not scanned. */
  advisoryDb: string | null;
  /** How deployer code is isolated (README: Security model); revisionsDir resolved from the config file's folder. */
  isolation: IsolationConfig;
  /** Upload size, event streams per identity, how long unused uploads are kept. */
  limits: ServerLimits;
  /** How much traffic the simulated router synthesises for services of simulated environments. */
  simulation: { requestsPerSecond: number };
  /**
   * `security.publicUrl`: the origin clients reach the API at (`https://cutover.example.com`).
   * When set, a signature's `@authority` and `@target-uri` must name it, whatever Host the
   * request carries; when null, they are taken from the request's Host header.
   * @default null
   */
  publicUrl: string | null;
  /** `store`: a PostgreSQL URL (postgres://user@host/db) to keep the state in instead of `<data-dir>/cutover.db`. @default null */
  store: string | null;
}

const SECTIONS = ['environments', 'alerts', 'policies', 'security', 'isolation', 'limits', 'simulation', 'store'];

/**
 * A problem in the config file: a startup failure (never an HTTP answer)
 * naming the file, the field and what to do.
 */
function invalidConfig(file: string, message: string, options: { problems?: FieldProblem[]; cause?: unknown } = {}): CutoverError {
  const problems = options.problems ?? [];
  return new CutoverError(ErrorCode.InvalidConfig, `the config file ${file} is not valid: ${message}; fix it and start the server again`, {
    problems,
    context: { file, ...(problems[0] ? { field: problems[0].path } : {}) },
    cause: options.cause,
  });
}

/** Parses one section; its problems become the config file's, with paths from the file's top (`alerts.sinks[0].url`). */
function section<T>(file: string, name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof CutoverError)) throw error;
    const fromTop = (path: string) => (path === name || path.startsWith(`${name}.`) || path.startsWith(`${name}[`) ? path : !path ? name : `${name}${path.startsWith('[') ? '' : '.'}${path}`);
    const problems = error.problems.length ? error.problems.map((problem) => ({ ...problem, path: fromTop(problem.path) })) : [{ path: name, message: error.message }];
    throw invalidConfig(file, error.message, { problems, cause: error });
  }
}

/** `simulation: { requestsPerSecond }`: requests per second per service of a simulated environment. @default 50 */
function simulationOf(input: unknown, file: string): { requestsPerSecond: number } {
  if (input === undefined || input === null) return { requestsPerSecond: 50 };
  const rate = (input as { requestsPerSecond?: unknown }).requestsPerSecond;
  const keys = typeof input === 'object' && !Array.isArray(input) ? Object.keys(input) : null;
  if (!keys || keys.some((key) => key !== 'requestsPerSecond') || (rate !== undefined && (typeof rate !== 'number' || !(rate >= 0) || rate > 100_000))) {
    throw invalidConfig(file, 'simulation takes only requestsPerSecond, a number from 0 to 100000', { problems: [{ path: 'simulation.requestsPerSecond', message: 'expected a number from 0 to 100000' }] });
  }
  return { requestsPerSecond: rate ?? 50 };
}

function advisoryDbOf(security: unknown, file: string): string | null {
  if (security === undefined || security === null) return null;
  const db = (security as { advisoryDb?: unknown }).advisoryDb;
  if (db === undefined) return null;
  if (typeof db !== 'string' || !db) throw invalidConfig(file, 'security.advisoryDb must be a folder of OSV JSON records', { problems: [{ path: 'security.advisoryDb', message: 'expected a folder path' }] });
  return resolve(dirname(file), db);
}

function publicUrlOf(security: unknown, file: string): string | null {
  const value = (security as { publicUrl?: unknown } | null | undefined)?.publicUrl;
  if (value === undefined || value === null) return null;
  const problem = (message: string) => invalidConfig(file, `security.publicUrl ${message}`, { problems: [{ path: 'security.publicUrl', message }] });
  if (typeof value !== 'string') throw problem('must be a URL such as https://cutover.example.com');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem(`must be a URL such as https://cutover.example.com, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem(`must start with https:// or http://, not ${url.protocol}`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) throw problem(`must be an origin only (scheme, host and port), like ${url.origin}; the API is served at its root`);
  return url.origin;
}

/** Reads the config file; a missing default file means the predefined environments and alerts to the log only. */
export async function loadServerConfig(file: string, explicit: boolean): Promise<ServerConfig> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || explicit) {
      throw new CutoverError(ErrorCode.InvalidConfig, `cannot read the config file ${file}: ${messageOf(error)}; check the path given to --config`, { context: { file }, cause: error });
    }
  }
  let document: Record<string, unknown>;
  try {
    document = (parse(text) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw invalidConfig(file, `it is not valid YAML (${messageOf(error)})`, { cause: error });
  }
  if (typeof document !== 'object' || Array.isArray(document)) throw invalidConfig(file, `it must be a mapping with ${SECTIONS.join(', ')}`);
  const unknown = Object.keys(document).filter((key) => !SECTIONS.includes(key));
  if (unknown.length) {
    throw invalidConfig(file, `it has unknown sections ${unknown.join(', ')}; it takes ${SECTIONS.join(', ')}`, {
      problems: unknown.map((key) => ({ path: key, message: `unknown section; expected one of ${SECTIONS.join(', ')}` })),
    });
  }
  return {
    file,
    environments: section(file, 'environments', () => parseEnvironments(document.environments)),
    alerts: section(file, 'alerts', () => parseAlertsConfig(document.alerts ?? { sinks: [{ type: 'log' }] })),
    // The policies section has the shape of a policy file: { defaults: true, policies: [...] }.
    policies: section(file, 'policies', () => parsePolicies(stringify(document.policies ?? {}), `${file} (policies)`)),
    advisoryDb: advisoryDbOf(document.security, file),
    simulation: simulationOf(document.simulation, file),
    isolation: section(file, 'isolation', () => {
      const isolation = parseIsolationConfig(document.isolation);
      return isolation.revisionsDir ? { ...isolation, revisionsDir: resolve(dirname(file), isolation.revisionsDir) } : isolation;
    }),
    limits: section(file, 'limits', () => parseLimitsConfig(document.limits)),
    publicUrl: publicUrlOf(document.security, file),
    store: storeOf(document.store, file),
  };
}

/** `store`: absent, or a postgres:// URL (checked again when the server connects). */
function storeOf(value: unknown, file: string): string | null {
  if (value === undefined || value === null) return null;
  const problem = checkStoreUrl(value);
  if (problem !== null) throw invalidConfig(file, `store ${problem}`, { problems: [{ path: 'store', message: problem }] });
  return value as string;
}
