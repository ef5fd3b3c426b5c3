/**
 * Rules between fields, which no single field's schema can see. They run even
 * when other fields have problems, so every problem is reported at once; the
 * values they look at may be invalid, so they check what they read.
 */
import { z } from 'zod';
import { IMAGE_BY_DIGEST } from './image-artifact.ts';

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const whenMapping = { when: (payload: z.core.ParsePayload) => isMapping(payload.value) };

function listOf(names: readonly string[], conjunction: string): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1)}`;
}

/** Exactly one of `keys` is set, like a canary step (setWeight | pause) or the strategy. */
export function exactlyOneOf(keys: readonly string[]) {
  return z.superRefine((value: Mapping, ctx) => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length === 1) return;
    // `{ recreate: {} }` is reported as the unknown field it is; "got none" would only repeat it.
    const hasUnknownField = ctx.issues.some((issue) => issue.code === 'unrecognized_keys' && !issue.path?.length);
    if (present.length === 0 && hasUnknownField) return;
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `expected exactly one of ${listOf(keys, 'or')}, got ${present.length === 0 ? 'none' : listOf(present, 'and')}`,
    });
  }, whenMapping);
}

/** The blue-green preview port serves the new version beside the live one, so it cannot be the live port. */
export const previewPortDiffersFromPort = z.superRefine((spec: Mapping, ctx) => {
  const blueGreen = isMapping(spec.strategy) ? spec.strategy.blueGreen : undefined;
  const previewPort = isMapping(blueGreen) ? blueGreen.previewPort : undefined;
  if (typeof spec.port !== 'number' || previewPort !== spec.port) return;
  ctx.addIssue({
    code: 'custom',
    path: ['strategy', 'blueGreen', 'previewPort'],
    input: previewPort,
    message: `expected a port other than spec.port (${spec.port}), got ${previewPort}; the preview port serves the new version beside the live one`,
  });
}, whenMapping);

/** A dark launch needs the built-in router: the HAProxy driver cannot mirror (it would refuse the step mid-deployment). */
export const mirrorNeedsBuiltinRouter = z.superRefine((spec: Mapping, ctx) => {
  if (!isMapping(spec.traffic) || spec.traffic.router !== 'haproxy') return;
  const canary = isMapping(spec.strategy) ? spec.strategy.canary : undefined;
  const steps = isMapping(canary) && Array.isArray(canary.steps) ? canary.steps : [];
  for (const [index, step] of steps.entries()) {
    if (!isMapping(step) || !isMapping(step.setMirrorRoute)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['strategy', 'canary', 'steps', index, 'setMirrorRoute'],
      input: step.setMirrorRoute,
      message: 'expected no setMirrorRoute with traffic.router haproxy: HAProxy 2.6 mirrors only through an external SPOE agent; use the built-in router (traffic: { router: builtin }) for a dark launch, or remove the step',
    });
  }
}, whenMapping);

const isZero = (value: unknown) => value === 0 || value === '0%';

/** Like Kubernetes: with no surge and no unavailability, a rolling update could never replace an instance. */
export const rollingCanProgress = z.superRefine((rolling: Mapping, ctx) => {
  if (!isZero(rolling.maxSurge) || !isZero(rolling.maxUnavailable)) return;
  ctx.addIssue({
    code: 'custom',
    path: ['maxUnavailable'],
    input: rolling.maxUnavailable,
    message: `expected a value above 0 when maxSurge is 0, got ${JSON.stringify(rolling.maxUnavailable)}; with both at 0 no instance can ever be replaced, so raise maxSurge (e.g. 1) or maxUnavailable`,
  });
}, whenMapping);


/**
 * `artifact.image` names its image by digest: a tag (or a name alone) can
 * point at other contents tomorrow, so the gates would have judged
 * something else than what runs.
 */
export const imageByDigest = z.superRefine((value: string, ctx) => {
  if (IMAGE_BY_DIGEST.test(value)) return;
  const digest = /@sha256:(.*)$/.exec(value)?.[1];
  ctx.addIssue({
    code: 'custom',
    input: value,
    message:
      digest !== undefined
        ? `expected an image by digest like "example/app@sha256:<64 lowercase hex digits>", got ${JSON.stringify(value)}, whose digest is not 64 lowercase hex digits`
        : `expected an image by digest like "example/app@sha256:<64 hex digits>", got ${JSON.stringify(value)}: a tag can point at other contents later, so cutover deploys an image only by its digest; \`docker inspect --format '{{.Id}}' ${value}\` prints it`,
  });
});

/** With `artifact.image` the image is what runs: `run.image` would name a second one. `artifact.signature` signs an image only. */
export const imageIsTheArtifact = z.superRefine((spec: Mapping, ctx) => {
  const artifact = isMapping(spec.artifact) ? spec.artifact : {};
  const run = isMapping(spec.run) ? spec.run : {};
  if (artifact.image !== undefined && run.image !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['run', 'image'], input: run.image, message: 'expected no run.image with artifact.image: the artifact\'s image is what runs; remove run.image' });
  }
  if (artifact.signature !== undefined && artifact.image === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['artifact', 'signature'],
      input: artifact.signature,
      message: 'expected artifact.signature only with artifact.image; an archive\'s signature is the file <archive>.minisig beside it',
    });
  }
}, whenMapping);
