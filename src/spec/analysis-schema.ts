/**
 * Analysis in the spec: metrics measured while a new version serves, each
 * from one provider, judged by conditions (CEL over `result`) and limits.
 * Names follow Argo Rollouts' AnalysisTemplate so its users feel at home.
 */
import { parse } from '@bufbuild/cel';
import { z } from 'zod';
import { celTextProblem, celTreeProblem } from '../core/cel-limits.ts';
import { DurationMax } from '../core/duration.ts';
import { messageOf } from '../core/errors.ts';
import { duration, integer, text } from './fields.ts';
import { expected } from './messages.ts';
import { exactlyOneOf } from './rules.ts';

const mapping = (what: string) => ({ error: expected(`a mapping ${what}`) });

/** A CEL expression over `result`, checked for syntax now so a typo fails the apply, not the deployment. */
function condition() {
  return text('a CEL expression over result, like "result < 0.05"').superRefine((value, ctx) => {
    const tooBig = celTextProblem(value);
    if (tooBig) {
      ctx.addIssue({ code: 'custom', input: value, message: tooBig });
      return;
    }
    try {
      const tooDeep = celTreeProblem(parse(value).expr);
      if (tooDeep) ctx.addIssue({ code: 'custom', input: value, message: tooDeep });
    } catch (error) {
      ctx.addIssue({ code: 'custom', input: value, message: `is not a valid CEL expression: ${messageOf(error).replace(/^.*?<input>:/, 'at ')}` });
    }
  });
}

function fraction(what: string) {
  const error = expected(what);
  return z.number({ error }).gt(0, { error }).lt(1, { error });
}

function nonNegative(what: string) {
  const error = expected(what);
  return z.number({ error }).min(0, { error });
}

const urlText = (what: string) =>
  text(what).refine((value) => /^https?:\/\/[^\s/]+/.test(value), { error: expected(`${what} starting with http:// or https://`) });

const routerProvider = z.strictObject(
  {
    query: z
      .enum(['errorRate', 'requestRate', 'requests', 'errors', 'latencyP50', 'latencyP90', 'latencyP99'], {
        error: expected('one of errorRate, requestRate, requests, errors, latencyP50, latencyP90, latencyP99'),
      })
      .describe('What to read from the router; errorRate is 0..1, latencies are in ms.'),
    revision: z.enum(['canary', 'stable'], { error: expected('canary or stable') }).default('canary'),
    window: duration({ allowZero: false, max: DurationMax.deadline }).default('30s').describe('How far back each measurement looks.'),
  },
  mapping('like { query: errorRate }'),
);

const prometheusProvider = z.strictObject(
  {
    address: urlText('the Prometheus server URL').describe('Like http://127.0.0.1:9090.'),
    query: text('a PromQL query').describe('{{service}}, {{revision}}, {{stableRevision}} and {{environment}} are substituted.'),
    timeout: duration({ allowZero: false, max: DurationMax.probe }).default('5s'),
  },
  mapping('with address and query'),
);

const httpProvider = z.strictObject(
  {
    url: urlText('a URL'),
    jsonPath: text('a JSON path like $.data.value').optional().describe('Where the value is in the JSON answer; without it, the whole answer.'),
    headers: z.record(z.string(), z.string({ error: expected('a string') })).default({}),
    timeout: duration({ allowZero: false, max: DurationMax.probe }).default('5s'),
  },
  mapping('with url'),
);

const commandProvider = z.strictObject(
  {
    command: z.array(text(), { error: expected('a list of strings like [./check.sh]') }).min(1, { error: expected('a non-empty list of strings') }),
    timeout: duration({ allowZero: false, max: DurationMax.task }).default('30s'),
  },
  mapping('with command'),
);

const compareProvider = z.strictObject(
  {
    alpha: fraction('a false-alarm probability between 0 and 1, like 0.01').default(0.01).describe('The chance of failing a canary that is not worse, over the whole analysis.'),
    errorRate: z
      .strictObject(
        {
          ratio: z.number({ error: expected('a number >= 1') }).min(1, { error: expected('a number >= 1') }).default(1.5),
          delta: nonNegative('a fraction >= 0, like 0.005 for half a percentage point').default(0.005),
          warmUp: duration({ allowZero: true, max: DurationMax.deadline }).optional().describe('Overrides warmUp for the error rate.'),
        },
        mapping('like { ratio: 1.5, delta: 0.005 }'),
      )
      .nullable()
      .prefault({})
      .describe('Fail when the canary error rate is credibly above stable × ratio + delta; null turns it off.'),
    latency: z
      .strictObject(
        {
          tolerance: nonNegative('a fraction >= 0, like 0.1 for 10%').default(0.1),
          minDeltaMs: nonNegative('a number of milliseconds >= 0').default(10),
          warmUp: duration({ allowZero: true, max: DurationMax.deadline }).optional().describe('Overrides warmUp for latency.'),
        },
        mapping('like { tolerance: 0.1, minDeltaMs: 10 }'),
      )
      .nullable()
      .prefault({})
      .describe('Fail when canary latency is credibly above stable × (1 + tolerance) + minDeltaMs; null turns it off.'),
    minRequests: integer(1).default(50).describe('Requests per side before any verdict.'),
    warmUp: duration({ allowZero: true, max: DurationMax.deadline })
      .default('3s')
      .describe('Answers from an instance in rotation for less than this are left out (a cold instance is not the version); both sides.'),
  },
  mapping('of judge settings, or {} for the defaults'),
);

const provider = z
  .strictObject(
    {
      router: routerProvider.optional(),
      prometheus: prometheusProvider.optional(),
      http: httpProvider.optional(),
      command: commandProvider.optional(),
      compare: compareProvider.optional().describe('Canary against stable on every request the router saw.'),
    },
    mapping('with one of router, prometheus, http, command or compare'),
  )
  .check(exactlyOneOf(['router', 'prometheus', 'http', 'command', 'compare']))
  .meta({ minProperties: 1, maxProperties: 1 });

const metric = z.strictObject(
  {
    name: text('a metric name').describe('Shown in status and messages.'),
    provider,
    interval: duration({ allowZero: false, max: DurationMax.interval }).optional().describe('Time between measurements (default 1s for compare, 5s otherwise).'),
    count: integer(1).optional().describe('How many measurements (default: until the analysis stops for background analysis, 1 otherwise; compare: 30).'),
    initialDelay: duration({ allowZero: true, max: DurationMax.deadline }).default('0s'),
    successCondition: condition().optional(),
    failureCondition: condition().optional(),
    failureLimit: integer(0).default(0).describe('Failed measurements tolerated; one more fails the analysis.'),
    inconclusiveLimit: integer(0).default(0).describe('Inconclusive measurements tolerated; one more pauses for a person.'),
    consecutiveErrorLimit: integer(0).default(4).describe('Measurement errors in a row tolerated; one more ends the analysis in Error.'),
    dryRun: z.boolean({ error: expected('true or false') }).default(false).describe('Measure and show, but never decide.'),
  },
  mapping('with name and provider'),
);

export const analysisSchema = z
  .strictObject(
    {
      metrics: z
        .array(metric, { error: expected('a list of metrics') })
        .min(1, { error: expected('at least one metric') }),
    },
    mapping('with metrics'),
  )
  .describe('Metrics measured while the new version serves; a failure rolls back.');
