import { isAddressRange, MAX_ADDRESS_RANGES } from '../core/address-range.ts';
import { isIP } from 'node:net';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { FieldProblem } from '../core/errors.ts';
import { MAX_CONNECTIONS_LIMIT, type RouterBackend, type RouterConfig } from './wire.ts';
import { exactValueProblem, headerNameProblem, regexProblem, type HeaderRoute } from '../core/header-route.ts';

/*
 * The router checks every config it is given (a push, or its own state file)
 * by hand rather than with zod: the config is small and fixed, and zod alone
 * is ~13 MB of resident memory in a process that is otherwise ~45 MB — paid
 * once per router. The checker is strict the same way a schema would be: it
 * names every bad field, and it rebuilds the config from known fields only,
 * so an unknown key never reaches the data plane.
 */

/** 0 lets the OS choose (tests); the control plane always gives a real port. */
const MAX_PORT = 65535;
/** The longest delay a Node timer takes (2³¹−1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A router serves two or three revisions at once; a few more are kept while they drain. */
const MAX_VERSIONS = 100;

/** Checks a pushed (or stored) config; throws InvalidRequest naming every bad field. */
export function validateRouterConfig(input: unknown): RouterConfig {
  const problems: FieldProblem[] = [];
  const check = new Checker(problems);
  const root = check.object(input, '');
  if (!root) return invalid(problems);

  const service = check.string(root.service, 'service');
  const environment = root.environment === undefined ? undefined : check.string(root.environment, 'environment');
  const port = check.int(root.port, 'port', 0, MAX_PORT);
  const previewPort = root.previewPort === undefined ? undefined : check.int(root.previewPort, 'previewPort', 0, MAX_PORT);
  const previewRevision = root.previewRevision === undefined ? undefined : check.int(root.previewRevision, 'previewRevision', 0);
  const weights = checkWeights(check, root.weights);
  const backends = checkBackends(check, root.backends);
  const healthCheck = checkHealthCheck(check, root.healthCheck);
  const trustedProxies = root.trustedProxies === undefined ? undefined : checkTrustedProxies(check, root.trustedProxies);
  const drainTimeoutMs = root.drainTimeoutMs === undefined ? undefined : check.int(root.drainTimeoutMs, 'drainTimeoutMs', 0, MAX_TIMER_MS);
  const maxConnections = root.maxConnections === undefined ? undefined : check.int(root.maxConnections, 'maxConnections', 1, MAX_CONNECTIONS_LIMIT);
  const generation = check.int(root.generation, 'generation', 0);
  const versions = root.versions === undefined ? undefined : checkVersions(check, root.versions);
  const headerRoute = root.headerRoute === undefined ? undefined : checkHeaderRoute(check, root.headerRoute);
  const mirrorRecord = root.mirror === undefined ? undefined : check.object(root.mirror, 'mirror');
  const mirror = mirrorRecord && { revision: check.int(mirrorRecord.revision, 'mirror.revision', 0), percentage: check.number(mirrorRecord.percentage, 'mirror.percentage', 0, 100) };
  if (weights) checkWeightsTotal(check, weights);
  if (previewPort !== undefined && previewPort !== 0 && previewPort === port) {
    problems.push({ path: 'previewPort', message: 'must differ from port' });
  }
  if (problems.length > 0) return invalid(problems);

  const config: RouterConfig = {
    service: service!,
    port: port!,
    weights: weights!,
    backends: backends!,
    healthCheck: healthCheck!,
    generation: generation!,
  };
  if (environment !== undefined) config.environment = environment;
  if (previewPort !== undefined) config.previewPort = previewPort;
  if (previewRevision !== undefined) config.previewRevision = previewRevision;
  if (trustedProxies !== undefined) config.trustedProxies = trustedProxies;
  if (drainTimeoutMs !== undefined) config.drainTimeoutMs = drainTimeoutMs;
  if (maxConnections !== undefined) config.maxConnections = maxConnections;
  if (versions !== undefined) config.versions = versions;
  if (headerRoute !== undefined) config.headerRoute = headerRoute;
  if (mirror !== undefined) config.mirror = { revision: mirror.revision!, percentage: mirror.percentage! };
  return config;
}

/** The same rules as the spec's setHeaderRoute (src/core/header-route.ts), so a bounded regex is all a router ever runs. */
function checkHeaderRoute(check: Checker, input: unknown): HeaderRoute | undefined {
  const route = check.object(input, 'headerRoute');
  if (!route) return undefined;
  const header = check.string(route.header, 'headerRoute.header');
  const revision = check.int(route.revision, 'headerRoute.revision', 0);
  const exact = route.exact === undefined ? undefined : check.string(route.exact, 'headerRoute.exact');
  const regex = route.regex === undefined ? undefined : check.string(route.regex, 'headerRoute.regex');
  const rules: [string, string | null][] = [];
  if (header !== undefined) rules.push(['headerRoute.header', headerNameProblem(header)]);
  if ((exact === undefined) === (regex === undefined)) rules.push(['headerRoute', 'must have exactly one of exact and regex']);
  if (exact !== undefined) rules.push(['headerRoute.exact', exactValueProblem(exact)]);
  if (regex !== undefined) rules.push(['headerRoute.regex', regexProblem(regex)]);
  const failed = rules.filter(([, message]) => message !== null);
  for (const [path, message] of failed) check.problem(path, message!);
  if (failed.length > 0 || header === undefined || revision === undefined) return undefined;
  return { header: header!, revision: revision!, ...(exact !== undefined ? { exact } : {}), ...(regex !== undefined ? { regex } : {}) };
}

/** Revision -> version, for the router's revision_info metric; bounded so a config cannot grow the metrics without limit. */
function checkVersions(check: Checker, input: unknown): Record<string, string> | undefined {
  const record = check.object(input, 'versions');
  if (!record) return undefined;
  const entries = Object.entries(record);
  if (entries.length > MAX_VERSIONS) return check.problem('versions', `must name at most ${MAX_VERSIONS} revisions, not ${entries.length}`);
  const versions: Record<string, string> = {};
  for (const [revision, version] of entries) {
    if (!/^\d+$/.test(revision)) {
      check.problem(`versions.${revision}`, 'must be a revision number');
      continue;
    }
    const text = check.string(version, `versions.${revision}`);
    if (text !== undefined && text.length > 256) check.problem(`versions.${revision}`, 'must be at most 256 characters');
    else if (text !== undefined) versions[revision] = text;
  }
  return Object.keys(versions).length === entries.length ? versions : undefined;
}

function checkTrustedProxies(check: Checker, input: unknown): string[] | undefined {
  if (!Array.isArray(input)) return check.problem('trustedProxies', 'must be an array of IP addresses or CIDR ranges');
  if (input.length > MAX_ADDRESS_RANGES) return check.problem('trustedProxies', `must hold at most ${MAX_ADDRESS_RANGES} entries, not ${input.length}`);
  const ranges: string[] = [];
  for (const [index, item] of input.entries()) {
    const range = check.string(item, `trustedProxies[${index}]`);
    if (range === undefined) continue;
    if (isAddressRange(range)) ranges.push(range);
    else check.problem(`trustedProxies[${index}]`, `must be an IP address or CIDR range, like "10.0.0.0/8", not ${describe(range)}`);
  }
  return ranges.length === input.length ? ranges : undefined;
}

function checkWeights(check: Checker, input: unknown): RouterConfig['weights'] | undefined {
  const record = check.object(input, 'weights');
  if (!record) return undefined;
  const weights: RouterConfig['weights'] = {};
  let valid = true;
  for (const [revision, weight] of Object.entries(record)) {
    if (!/^\d+$/.test(revision)) {
      check.problem(`weights.${revision}`, 'must be a revision number');
      valid = false;
      continue;
    }
    const value = check.number(weight, `weights.${revision}`, 0, 100);
    if (value === undefined) valid = false;
    else weights[revision] = value;
  }
  return valid ? weights : undefined;
}

/** Checked after every field, so a sum is only judged over weights that are each valid. */
function checkWeightsTotal(check: Checker, weights: RouterConfig['weights']): void {
  const values = Object.values(weights);
  const total = values.reduce((sum, weight) => sum + weight, 0);
  if (values.length > 0 && Math.abs(total - 100) > 0.001) check.problem('weights', `weights must add up to 100, not ${total}`);
}

function checkBackends(check: Checker, input: unknown): RouterBackend[] | undefined {
  if (!Array.isArray(input)) return check.problem('backends', 'must be an array');
  const seen = new Set<string>();
  const backends: RouterBackend[] = [];
  for (const [index, item] of input.entries()) {
    const at = `backends[${index}]`;
    const backend = check.object(item, at);
    if (!backend) continue;
    const id = check.string(backend.id, `${at}.id`);
    const revision = check.int(backend.revision, `${at}.revision`, 0);
    const port = check.int(backend.port, `${at}.port`, 1, MAX_PORT);
    const inRotation = check.boolean(backend.inRotation, `${at}.inRotation`);
    // Only an address (never a name to resolve): the router connects where the control plane saw the instance.
    const host = backend.host === undefined ? undefined : check.string(backend.host, `${at}.host`);
    if (host !== undefined && isIP(host) !== 4) check.problem(`${at}.host`, `must be an IPv4 address, not ${JSON.stringify(host.slice(0, 64))}`);
    if (id !== undefined) {
      if (seen.has(id)) check.problem(`${at}.id`, `duplicate backend id "${id}"`);
      seen.add(id);
    }
    if (id !== undefined && revision !== undefined && port !== undefined && inRotation !== undefined) {
      backends.push({ id, revision, port, inRotation, ...(host !== undefined ? { host } : {}) });
    }
  }
  return backends;
}

function checkHealthCheck(check: Checker, input: unknown): RouterConfig['healthCheck'] | undefined {
  const health = check.object(input, 'healthCheck');
  if (!health) return undefined;
  const path = check.string(health.path, 'healthCheck.path');
  if (path !== undefined && !path.startsWith('/')) check.problem('healthCheck.path', 'must start with "/"');
  const intervalMs = check.int(health.intervalMs, 'healthCheck.intervalMs', 10);
  const timeoutMs = check.int(health.timeoutMs, 'healthCheck.timeoutMs', 1);
  const unhealthyThreshold = check.int(health.unhealthyThreshold, 'healthCheck.unhealthyThreshold', 1);
  if (path === undefined || intervalMs === undefined || timeoutMs === undefined || unhealthyThreshold === undefined) return undefined;
  return { path, intervalMs, timeoutMs, unhealthyThreshold };
}

/** Field checks that record a problem (and return undefined) instead of throwing, so every bad field is named at once. */
class Checker {
  constructor(private readonly problems: FieldProblem[]) {}

  problem(path: string, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return this.problem(path, `must be an object, not ${describe(value)}`);
  }

  string(value: unknown, path: string): string | undefined {
    if (typeof value === 'string' && value.length > 0) return value;
    return this.problem(path, typeof value === 'string' ? 'must not be empty' : `must be a string, not ${describe(value)}`);
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (typeof value === 'boolean') return value;
    return this.problem(path, `must be true or false, not ${describe(value)}`);
  }

  number(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.problem(path, `must be a number, not ${describe(value)}`);
    if (value < min || value > max) return this.problem(path, `must be between ${min} and ${max}, not ${value}`);
    return value;
  }

  int(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (typeof value === 'number' && !Number.isInteger(value)) return this.problem(path, `must be a whole number, not ${value}`);
    return this.number(value, path, min, max);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
}

function invalid(problems: FieldProblem[]): never {
  const summary = problems.map((problem) => `${problem.path || '(config)'}: ${problem.message}`).join('; ');
  throw new CutoverError(ErrorCode.InvalidRequest, `Router config is invalid: ${summary}`, {
    problems,
    context: { field: problems[0]?.path },
  });
}
