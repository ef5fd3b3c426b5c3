import { z } from 'zod';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { FieldProblem } from '../core/errors.ts';
import type { RouterConfig } from './wire.ts';

/** 0 lets the OS choose (tests); the control plane always gives a real port. */
const listenPort = z.int().min(0).max(65535);
const revision = z.int().min(0);

const routerConfigSchema = z
  .object({
    service: z.string().min(1),
    port: listenPort,
    previewPort: listenPort.optional(),
    previewRevision: revision.optional(),
    weights: z.record(z.string().regex(/^\d+$/, 'must be a revision number'), z.number().min(0).max(100)),
    backends: z.array(
      z.object({ id: z.string().min(1), revision, port: z.int().min(1).max(65535), inRotation: z.boolean() }),
    ),
    healthCheck: z.object({
      path: z.string().startsWith('/'),
      intervalMs: z.int().min(10),
      timeoutMs: z.int().min(1),
      unhealthyThreshold: z.int().min(1),
    }),
    generation: z.int().min(0),
  })
  .superRefine((config, ctx) => {
    const weights = Object.values(config.weights);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    if (weights.length > 0 && Math.abs(total - 100) > 0.001) {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: `weights must add up to 100, not ${total}` });
    }
    const seen = new Set<string>();
    for (const [index, backend] of config.backends.entries()) {
      if (seen.has(backend.id)) ctx.addIssue({ code: 'custom', path: ['backends', index, 'id'], message: `duplicate backend id "${backend.id}"` });
      seen.add(backend.id);
    }
    if (config.previewPort !== undefined && config.previewPort !== 0 && config.previewPort === config.port) {
      ctx.addIssue({ code: 'custom', path: ['previewPort'], message: 'must differ from port' });
    }
  });

/** Checks a pushed (or stored) config; throws InvalidRequest naming every bad field. */
export function validateRouterConfig(input: unknown): RouterConfig {
  const result = routerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  const summary = problems.map((problem) => `${problem.path || '(config)'}: ${problem.message}`).join('; ');
  return invalid(`Router config is invalid: ${summary}`, problems);
}

function invalid(message: string, problems: FieldProblem[]): never {
  throw new CutoverError(ErrorCode.InvalidRequest, message, { problems, context: { field: problems[0]?.path } });
}

/** `backends[2].port`, `healthCheck.intervalMs`. */
function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text;
}
