/**
 * The spec document as users write it (apiVersion cutover/v1, kind Service).
 * Field names are a contract: renaming one breaks users' files. Defaults live
 * here so that editors see them through the JSON Schema.
 */
import { z } from 'zod';
import { MAX_ADDRESS_RANGES } from '../core/address-range.ts';
import { DurationMax } from '../core/duration.ts';
import { expected } from './messages.ts';
import {
  addressRange,
  countOrPercent,
  duration,
  environmentName,
  envVars,
  httpPath,
  integer,
  memorySize,
  port,
  serviceName,
  text,
} from './fields.ts';
import { exactlyOneOf, imageByDigest, imageIsTheArtifact, mirrorNeedsBuiltinRouter, previewPortDiffersFromPort, rollingCanProgress } from './rules.ts';
import { analysisSchema } from './analysis-schema.ts';
import { exactValueProblem, headerNameProblem, MAX_REGEX_LENGTH, regexProblem } from '../core/header-route.ts';
import { TRAFFIC_ROUTER_TYPES } from './types.ts';
import { DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS_LIMIT } from '../router/wire.ts';
import { hooksSchema } from './hooks-schema.ts';

const mapping = (what: string) => ({ error: expected(`a mapping ${what}`) });

const healthCheck = z
  .strictObject(
    {
      path: httpPath().default('/healthz').describe('HTTP path probed on each instance; 2xx means healthy.'),
      interval: duration({ allowZero: false, max: DurationMax.interval }).default('1s').describe('Time between probes.'),
      timeout: duration({ allowZero: false, max: DurationMax.probe }).default('2s').describe('How long one probe may take.'),
      healthyThreshold: integer(1).default(1).describe('Consecutive passing probes before an instance is healthy.'),
      unhealthyThreshold: integer(1).default(3).describe('Consecutive failing probes before an instance is unhealthy.'),
      startupTimeout: duration({ allowZero: false, max: DurationMax.deadline })
        .default('30s')
        .describe('How long a new instance may take to become healthy.'),
    },
    mapping('of health check settings'),
  )
  .prefault({})
  .describe('How cutover decides an instance is healthy.');

const pause = z
  .strictObject(
    { duration: duration({ allowZero: false, max: DurationMax.hold }).optional().describe('How long to wait; without it, wait to be promoted.') },
    mapping('like {} or { duration: 10s }'),
  )
  .nullable();

/** A field checked by one of src/core/header-route.ts's rules (the routers check the same). */
function routeText(what: string, problem: (value: string) => string | null) {
  return text(what).superRefine((value, ctx) => {
    const message = problem(value);
    if (message !== null) ctx.addIssue({ code: 'custom', input: value, message: `${what} ${message}` });
  });
}

const headerRoute = z
  .strictObject(
    {
      header: routeText('the header name', headerNameProblem).describe('The request header to match, in lower case, like x-beta.'),
      exact: routeText('the exact value', exactValueProblem).optional().describe('The value the header must equal.'),
      regex: routeText('the regex', regexProblem).optional().describe(`A regular expression the whole value must match (at most ${MAX_REGEX_LENGTH} characters; no repeated group holding a repetition or an alternation).`),
    },
    mapping('like { header: x-beta, exact: "true" } or { header: x-beta, regex: "alpha|beta" }'),
  )
  .check(exactlyOneOf(['exact', 'regex']));

const canaryStep = z
  .strictObject(
    {
      setWeight: integer(0, 100).optional().describe('Percentage of requests sent to the new version.'),
      setHeaderRoute: headerRoute.optional().describe('From this step until promotion, requests whose header matches go to the new version, whatever the weights.'),
      setMirrorRoute: z
        .strictObject({ percentage: integer(0, 100).describe('Share of the GET, HEAD and OPTIONS requests without a body that stable answers to copy; 0 stops mirroring.') }, mapping('like { percentage: 50 }'))
        .optional()
        .describe('Dark launch (built-in router only): copy a share of live requests to the new version, discard its answers and let the comparative judge compare them with stable\'s.'),
      pause: pause.optional().describe('Wait, for a duration or until promoted.'),
      analysis: analysisSchema.optional().describe('Measure the new version now; the step ends when the analysis does.'),
    },
    mapping('with setWeight, setHeaderRoute, setMirrorRoute, pause or analysis, like { setWeight: 20 }'),
  )
  .check(exactlyOneOf(['setWeight', 'setHeaderRoute', 'setMirrorRoute', 'pause', 'analysis']))
  .meta({ minProperties: 1, maxProperties: 1 });

const canary = z.strictObject(
  {
    steps: z
      .array(canaryStep, { error: expected('a list of steps, like [{ setWeight: 20 }, { pause: {} }]') })
      .default([])
      .describe('Steps in order; after the last one the new version gets 100%.'),
    analysis: analysisSchema.optional().describe('Background analysis, from the first step that sends traffic to the canary until it is promoted.'),
  },
  mapping('with steps (and analysis)'),
);

const blueGreen = z.strictObject(
  {
    autoPromote: z
      .boolean({ error: expected('true or false') })
      .default(true)
      .describe('Switch traffic as soon as the new version is healthy; false waits to be promoted.'),
    previewPort: port().optional().describe('Port where the new version can be tried before it is promoted.'),
    scaleDownDelay: duration({ allowZero: true, max: DurationMax.hold })
      .default('30s')
      .describe('How long the old version stays up after the switch, for a fast rollback.'),
    prePromotionAnalysis: analysisSchema.optional().describe('Measured on the new version (through the preview) before the switch.'),
    postPromotionAnalysis: analysisSchema.optional().describe('Measured after the switch, while the old version is still warm; a failure switches back.'),
  },
  mapping('of blue-green settings'),
);

const rolling = z
  .strictObject(
    {
      maxSurge: countOrPercent().default('25%').describe('Instances above the desired count during the update.'),
      maxUnavailable: countOrPercent().default(0).describe('Instances below the desired count during the update.'),
    },
    mapping('of rolling update settings'),
  )
  .check(rollingCanProgress);

/** Exactly one strategy; `strategy` below defaults to rolling, an environment's override has no default. */
const strategyChoice = z
  .strictObject(
    {
      canary: canary.optional().describe('Shift traffic to the new version in weighted steps.'),
      blueGreen: blueGreen.optional().describe('Start the new version beside the old, then switch all traffic.'),
      rolling: rolling.optional().describe('Replace instances a few at a time.'),
    },
    mapping('with one of canary, blueGreen or rolling'),
  )
  .check(exactlyOneOf(['canary', 'blueGreen', 'rolling']))
  .meta({ minProperties: 1, maxProperties: 1 });

const strategy = strategyChoice
  .prefault({ rolling: {} })
  .describe('How the new version replaces the old: exactly one of canary, blueGreen, rolling.');

const traffic = z
  .strictObject(
    {
      trustedProxies: z
        .array(addressRange(), { error: expected('a list of IP addresses or CIDR ranges, like ["10.0.0.0/8"]') })
        .max(MAX_ADDRESS_RANGES, { error: expected(`at most ${MAX_ADDRESS_RANGES} addresses or ranges`) })
        .default([])
        .describe('Peers (a load balancer in front of cutover) whose X-Forwarded-For, -Proto and -Host headers the router believes; from anyone else it sets them itself.'),
      router: z
        .enum(TRAFFIC_ROUTER_TYPES, { error: expected(`one of ${TRAFFIC_ROUTER_TYPES.join(', ')}`) })
        .optional()
        .describe('The data plane: builtin (cutover\'s own router) or haproxy (HAProxy 2.6+, driven by cutover); default: the environment\'s, else builtin.'),
      maxConnections: integer(1, MAX_CONNECTIONS_LIMIT)
        .optional()
        .describe(`The most client connections the built-in router holds open at once for this service, on each of its ports; beyond it new connections are closed at once, so a flood on one service leaves its neighbours served. Default ${DEFAULT_MAX_CONNECTIONS}. HAProxy ignores it.`),
    },
    mapping('of traffic settings, like { router: haproxy } or { trustedProxies: ["10.0.0.0/8"] }'),
  )
  .prefault({})
  .describe('How the router treats the traffic it receives.');

/**
 * What one environment may set differently in the same spec: enough to run
 * every stage side by side on one machine (ports, size, variables) and to be
 * more careful in production (strategy, analysis). Merged over the spec by
 * spec/environments.ts before the whole is validated again.
 */
const environmentOverrides = z.strictObject(
  {
    port: port().optional().describe('The port in this environment.'),
    previewPort: port().optional().describe('The blue-green preview port in this environment.'),
    instances: integer(1, 100).optional().describe('How many instances serve in this environment.'),
    run: z
      .strictObject({ env: envVars().describe('Variables added to (or replacing) run.env in this environment.') }, mapping('with env'))
      .optional(),
    strategy: strategyChoice.optional().describe('The strategy in this environment (replaces spec.strategy).'),
    analysis: analysisSchema.optional().describe("The analysis in this environment: the canary's background analysis, or the blue-green pre-promotion analysis."),
    supersede: z.boolean({ error: expected('true or false') }).optional().describe('Whether an apply in this environment supersedes a deployment in flight (replaces spec.supersede).'),
  },
  mapping('with port, previewPort, instances, run, strategy, analysis or supersede'),
);

const service = z
  .strictObject(
    {
      environment: environmentName().default('development').describe('Environment the service is deployed to.'),
      version: text('a non-empty string like "2.0.0"').describe('Version being deployed; quote it so YAML keeps it as text.'),
      artifact: z
        .strictObject(
          {
            path: text('a path to the service\'s files, relative to the spec file').optional().describe('Directory or archive of the service.'),
            image: text('an image by digest like "example/app@sha256:<64 hex digits>"')
              .check(imageByDigest)
              .optional()
              .describe('Instead of path: an image named by its digest, run as it is where the environment runs containers (platform docker or swarm); the digest is the image ID (`docker inspect --format {{.Id}}`).'),
            signature: text('a path to a minisign signature file, relative to the spec file')
              .optional()
              .describe('With image: the minisign signature of the text "sha256:<digest>" (checked against the environment\'s trusted keys).'),
          },
          mapping('like { path: ./build } or { image: example/app@sha256:… }'),
        )
        .check(exactlyOneOf(['path', 'image']))
        .describe('What to run: files (path) or an image by digest (image).'),
      run: z
        .strictObject(
          {
            command: z
              .array(text(), { error: expected('a list of strings like [node, server.js]') })
              .min(1, { error: expected('a non-empty list of strings like [node, server.js]') })
              .describe('Program and arguments, run in the artifact directory.'),
            env: envVars().default({}).describe('Environment variables; values are strings.'),
            image: text('an image name like "cutover/base-node:20.19.0"')
              .optional()
              .describe('The image instances run on where the environment runs containers (platform docker); default: the environment\'s image, else cutover\'s base image (node only). Ignored by the local platform.'),
          },
          mapping('with command (and env, image)'),
        )
        .describe('How to start one instance.'),
      instances: integer(1, 100).default(1).describe('How many instances serve the service.'),
      resources: z
        .strictObject(
          {
            cpus: z
              .number({ error: expected('a number of CPUs like 0.5') })
              .positive({ error: expected('a number of CPUs above 0, like 0.5') })
              .max(64, { error: expected('a number of CPUs of at most 64') })
              .optional()
              .describe('CPUs one instance may use, like 0.5.'),
            memory: memorySize().optional().describe('Memory one instance may use, like "256Mi"; it is stopped by the kernel beyond it.'),
          },
          mapping('like { cpus: 0.5, memory: 256Mi }'),
        )
        .optional()
        .describe('Limits of one instance; enforced where instances run as containers (platform docker), not by the local platform.'),
      port: port().describe('Port the service listens on.'),
      healthCheck,
      strategy,
      progressDeadline: duration({ allowZero: false, max: DurationMax.deadline })
        .default('10m')
        .describe('A deployment that makes no progress for this long is rolled back.'),
      drainTimeout: duration({ allowZero: true, max: DurationMax.task })
        .default('30s')
        .describe('How long an instance may finish its requests before it is stopped.'),
      supersede: z
        .boolean({ error: expected('true or false') })
        .default(true)
        .describe('An apply while a deployment of this service is in flight aborts that one (traffic back to stable) and starts from stable; false refuses such an apply (409) instead. Either side\'s false refuses.'),
      hooks: hooksSchema,
      traffic,
      environments: z
        .record(environmentName(), environmentOverrides, { error: expected('a mapping of environment names to settings, like { production: { port: 8080 } }') })
        .optional()
        .describe('Settings per environment, over the ones above, so one file deploys every stage (apply --env picks the stage).'),
    },
    mapping('with version, artifact, run and port'),
  )
  .check(previewPortDiffersFromPort, mirrorNeedsBuiltinRouter, imageIsTheArtifact);

export const specDocumentSchema = z.strictObject(
  {
    apiVersion: z.literal('cutover/v1', { error: expected('"cutover/v1"') }),
    kind: z.literal('Service', { error: expected('"Service"') }),
    metadata: z.strictObject(
      { name: serviceName().describe('Service name: lowercase letters, digits and "-", starting with a letter.') },
      mapping('with name'),
    ),
    spec: service,
  },
  {
    error: (issue) =>
      issue.input === undefined || issue.input === null
        ? 'the document is empty: expected a mapping with apiVersion, kind, metadata and spec'
        : expected('a mapping with apiVersion, kind, metadata and spec')(issue),
  },
);

/** The validated document, defaults filled in, durations still as written ("1s"). */
export type SpecDocument = z.output<typeof specDocumentSchema>;
/** The document as users may write it: fields with defaults are optional. */
export type SpecDocumentInput = z.input<typeof specDocumentSchema>;
