import { z } from 'zod';
import { DurationMax, parseDuration } from '../core/duration.ts';
import { CutoverError, ErrorCode, type FieldProblem } from '../core/errors.ts';
import { DEFAULT_ENVIRONMENTS } from './defaults.ts';
import { TRAFFIC_ROUTER_TYPES } from '../spec/types.ts';
import { parseAllowEntry } from '../security/outbound/index.ts';
import type { Environment, HookSpec } from './types.ts';

const HOOK_TIMEOUT_MAX_MS = parseDuration(DurationMax.task)!;
const duration = z
  .string()
  .refine((value) => (parseDuration(value) ?? 0) > 0, { error: 'expected a duration like "30s"', abort: true })
  .refine((value) => parseDuration(value)! <= HOOK_TIMEOUT_MAX_MS, { error: `expected a duration of at most ${DurationMax.task}` });
const hook = z
  .strictObject({
    command: z.array(z.string().min(1)).min(1).optional(),
    http: z.strictObject({ url: z.string().regex(/^https?:\/\//, { error: 'expected a URL starting with http:// or https://' }), method: z.enum(['GET', 'POST']).default('POST'), headers: z.record(z.string(), z.string()).default({}) }).optional(),
    timeout: duration.default('30s'),
    retries: z.int().min(0).max(10).default(2),
  })
  .refine((value) => (value.command === undefined) !== (value.http === undefined), { error: 'expected exactly one of command or http' });
const hooks = z.strictObject({
  prepare: z.array(hook).optional(),
  beforeTraffic: z.array(hook).optional(),
  afterPromote: z.array(hook).optional(),
  onRollback: z.array(hook).optional(),
  cleanup: z.array(hook).optional(),
});
const window = z.strictObject({
  days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time like "09:00"' }),
  end: z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, { error: 'expected a time like "17:00"' }),
  timezone: z.literal('UTC').default('UTC'),
});
const environment = z.strictObject({
  extends: z.string().optional().describe('Start from another environment\'s settings.'),
  description: z.string().optional(),
  instances: z.strictObject({ min: z.int().min(1).optional(), max: z.int().min(1).optional() }).optional(),
  strategies: z.array(z.enum(['rolling', 'blueGreen', 'canary'])).min(1).optional(),
  requiresSuccessIn: z.string().nullable().optional(),
  approvalRequired: z.boolean().optional(),
  signatureRequired: z.boolean().optional(),
  blockVulnerabilitiesAt: z.enum(['none', 'low', 'medium', 'high', 'critical']).optional(),
  deployWindows: z.array(window).optional(),
  hooks: hooks.optional(),
  keepRevisions: z.int().min(1).optional(),
  trustedKeys: z.array(z.string().min(1)).optional().describe('minisign public keys (the base64 line of minisign.pub)'),
  traffic: z.strictObject({ router: z.enum(TRAFFIC_ROUTER_TYPES) }).optional().describe('The traffic router of services that do not choose one'),
  platform: z.enum(['local', 'simulated', 'docker', 'swarm']).optional().describe('Where instances run: local processes (default), containers on the Docker engine at DOCKER_HOST (docker), services on the Docker Swarm whose manager is at DOCKER_HOST (swarm), or simulated records that fake outcomes (benchmarks)'),
  image: z.string().min(1).optional().describe('The image docker instances run on when the spec names no run.image; default: cutover/base-node:<node version>, built from this host\'s node'),
  outbound: z
    .strictObject({ allow: z.array(z.string().check((ctx) => {
      const entry = parseAllowEntry(ctx.value);
      if (typeof entry === 'string') ctx.issues.push({ code: 'custom', message: entry, input: ctx.value });
    })) })
    .optional()
    .describe('Where http/prometheus providers and http hooks may call: host, host:port or CIDR entries'),
});
const environmentsSchema = z.record(z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'expected an environment name of lowercase letters, digits and "-"' }), environment);

export type ConfigFile = { environments: z.output<typeof environmentsSchema> };

function toHook(h: z.output<typeof hook>): HookSpec {
  return {
    ...(h.command ? { command: h.command } : {}),
    ...(h.http ? { http: h.http } : {}),
    timeoutMs: parseDuration(h.timeout)!,
    retries: h.retries,
  };
}

/** The predefined environments with a config file's overrides and additions applied. */
export function resolveEnvironments(config: ConfigFile): Record<string, Environment> {
  const result: Record<string, Environment> = structuredClone(DEFAULT_ENVIRONMENTS);
  const problems: FieldProblem[] = [];
  // Production and whatever extends it, however far down: they may never be simulated.
  const productionLike = new Set(['production']);
  for (const [name, entry] of Object.entries(config.environments)) {
    const parent = entry.extends ?? (result[name] ? name : 'development');
    const from = result[parent];
    if (!from) {
      problems.push({ path: `environments.${name}.extends`, message: `no environment named "${parent}" to extend; known: ${Object.keys(result).join(', ')}` });
      continue;
    }
    const merged: Environment = {
      ...from,
      name,
      description: entry.description ?? (name === parent ? from.description : `like ${parent}`),
      instances: { ...from.instances, ...entry.instances },
      ...(entry.strategies ? { strategies: entry.strategies } : {}),
      ...(entry.requiresSuccessIn !== undefined ? { requiresSuccessIn: entry.requiresSuccessIn } : {}),
      ...(entry.approvalRequired !== undefined ? { approvalRequired: entry.approvalRequired } : {}),
      ...(entry.signatureRequired !== undefined ? { signatureRequired: entry.signatureRequired } : {}),
      ...(entry.blockVulnerabilitiesAt ? { blockVulnerabilitiesAt: entry.blockVulnerabilitiesAt } : {}),
      ...(entry.deployWindows ? { deployWindows: entry.deployWindows } : {}),
      ...(entry.keepRevisions ? { keepRevisions: entry.keepRevisions } : {}),
      ...(entry.trustedKeys ? { trustedKeys: entry.trustedKeys } : {}),
      ...(entry.traffic ? { trafficRouter: entry.traffic.router } : {}),
      ...(entry.outbound ? { outbound: { allow: entry.outbound.allow } } : {}),
      hooks: { ...from.hooks, ...Object.fromEntries(Object.entries(entry.hooks ?? {}).map(([point, list]) => [point, (list ?? []).map(toHook)])) },
    };
    // A simulated environment is never inherited: `extends` copies rules, not the fake platform.
    delete merged.platform;
    // Containers are: an environment that extends a docker (or swarm) one runs there too, unless it says `platform: local`.
    for (const engine of ['docker', 'swarm'] as const) if (entry.platform === engine || (entry.platform === undefined && from.platform === engine)) merged.platform = engine;
    if (entry.image) merged.image = entry.image;
    if (productionLike.has(parent)) productionLike.add(name);
    if (entry.platform === 'simulated') {
      if (productionLike.has(name) || merged.approvalRequired || merged.signatureRequired) {
        problems.push({
          path: `environments.${name}.platform`,
          message: 'the simulated platform fakes instances and traffic, so a deployment there always looks healthy; it is refused for production, environments that extend it, and any that requires approval or signatures',
        });
      } else merged.platform = 'simulated';
    }
    if (merged.instances.min > merged.instances.max) problems.push({ path: `environments.${name}.instances`, message: `min ${merged.instances.min} is above max ${merged.instances.max}` });
    result[name] = merged;
  }
  for (const env of Object.values(result)) {
    if (env.requiresSuccessIn && !result[env.requiresSuccessIn]) {
      problems.push({ path: `environments.${env.name}.requiresSuccessIn`, message: `no environment named "${env.requiresSuccessIn}"` });
    }
  }
  if (problems.length) throw new CutoverError(ErrorCode.InvalidRequest, `the environments config is not valid (${problems.length} problem${problems.length > 1 ? 's' : ''})`, { problems });
  return result;
}

/** The `environments:` section of the server's config file: the predefined ones with its overrides. */
export function parseEnvironments(input: unknown): Record<string, Environment> {
  const parsed = environmentsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      path: ['environments', ...issue.path].map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '['),
      message: issue.message,
    }));
    throw new CutoverError(ErrorCode.InvalidRequest, 'the environments in the config file are not valid; fix the fields below', { problems });
  }
  return resolveEnvironments({ environments: parsed.data });
}
