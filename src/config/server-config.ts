import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { parsePolicies, type CompiledPolicy } from '../supply-chain/policy/index.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import { parseEnvironments } from '../environments/config.ts';
import type { Environment } from '../environments/types.ts';
import { parseAlertsConfig, type AlertsConfig } from '../monitoring/alerts/index.ts';

/** The server's config file (`--config`, default `<data-dir>/config.yaml`): environments, alerts, policies, security. */
export interface ServerConfig {
  file: string;
  environments: Record<string, Environment>;
  alerts: AlertsConfig;
  /** The deployment policies: the defaults and the config's own, compiled. */
  policies: CompiledPolicy[];
  /** A folder of OSV records to scan artifacts against; without it artifacts are not scanned. */
  advisoryDb: string | null;
}

const SECTIONS = ['environments', 'alerts', 'policies', 'security'];

function advisoryDbOf(security: unknown, file: string): string | null {
  if (security === undefined || security === null) return null;
  const db = (security as { advisoryDb?: unknown }).advisoryDb;
  if (db === undefined) return null;
  if (typeof db !== 'string' || !db) throw new CutoverError(ErrorCode.InvalidRequest, `${file}: security.advisoryDb must be a folder of OSV JSON records`, { problems: [{ path: 'security.advisoryDb', message: 'expected a folder path' }] });
  return resolve(dirname(file), db);
}

/** Reads the config file; a missing default file means the predefined environments and alerts to the log only. */
export async function loadServerConfig(file: string, explicit: boolean): Promise<ServerConfig> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || explicit) {
      throw new CutoverError(ErrorCode.InvalidRequest, `cannot read the config file ${file}: ${(error as Error).message}`);
    }
  }
  let document: Record<string, unknown>;
  try {
    document = (parse(text) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, `the config file ${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || Array.isArray(document)) throw new CutoverError(ErrorCode.InvalidRequest, `the config file ${file} must be a mapping with ${SECTIONS.join(' and ')}`);
  const unknown = Object.keys(document).filter((key) => !SECTIONS.includes(key));
  if (unknown.length) {
    throw new CutoverError(ErrorCode.InvalidRequest, `the config file ${file} has unknown sections ${unknown.join(', ')}; it takes ${SECTIONS.join(' and ')}`, {
      problems: unknown.map((key) => ({ path: key, message: `unknown section; expected one of ${SECTIONS.join(', ')}` })),
    });
  }
  return {
    file,
    environments: parseEnvironments(document.environments),
    alerts: parseAlertsConfig(document.alerts ?? { sinks: [{ type: 'log' }] }),
    // The policies section has the shape of a policy file: { defaults: true, policies: [...] }.
    policies: parsePolicies(stringify(document.policies ?? {}), `${file} (policies)`),
    advisoryDb: advisoryDbOf(document.security, file),
  };
}
