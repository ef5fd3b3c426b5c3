/**
 * The API's request and answer shapes as zod schemas, for the OpenAPI
 * document only: the handlers validate with their own checks (and the spec
 * with src/spec), and these describe what they accept and answer.
 */
import { z } from 'zod';

const phase = z.enum(['Progressing', 'Paused', 'AwaitingApproval', 'Succeeded', 'RolledBack', 'Aborted', 'Failed', 'Superseded']);
const analysisPhase = z.enum(['Running', 'Successful', 'Failed', 'Inconclusive', 'Error']);
const isoTime = z.iso.datetime();

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'CutoverError code: InvalidSpec, InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, Locked, …' }),
      message: z.string().meta({ description: 'What was wrong and what to do.' }),
      context: z.record(z.string(), z.unknown()).optional(),
      problems: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: 'Every invalid field, by path (invalid specs).' }),
    }),
  })
  .meta({ id: 'Error' });

const measurement = z.object({ at: z.number(), phase: z.enum(['Successful', 'Failed', 'Inconclusive', 'Error']), value: z.unknown().optional(), message: z.string().optional() });

export const analysisView = z
  .object({
    id: z.string(),
    kind: z.enum(['step', 'prePromotion', 'postPromotion', 'background']),
    stepIndex: z.int(),
    phase: analysisPhase,
    metrics: z.array(
      z.object({
        name: z.string(),
        provider: z.string(),
        dryRun: z.boolean(),
        phase: analysisPhase,
        counts: z.object({ successful: z.int(), failed: z.int(), inconclusive: z.int(), error: z.int(), consecutiveErrors: z.int() }),
        measurements: z.array(measurement),
        message: z.string(),
      }),
    ),
    message: z.string(),
    startedAt: z.number(),
    finishedAt: z.number().nullable(),
  })
  .meta({ id: 'Analysis' });

/** A deployment that a newer apply cut short names it, and the newer one names the one it cut short. */
const supersession = {
  supersedes: z.int().nullable().describe('The deployment this one superseded (it ended Superseded), or null'),
  supersededBy: z.int().nullable().describe('The deployment that superseded this one, or null'),
};

export const statusView = z
  .object({
    service: z.string(),
    environment: z.string(),
    phase,
    revision: z.int(),
    stableRevision: z.int().nullable(),
    version: z.string(),
    step: z.object({ index: z.int(), total: z.int(), current: z.string().nullable() }),
    weights: z.record(z.string(), z.number()).meta({ description: 'revision -> percent of requests' }),
    instances: z.array(z.object({ id: z.string(), revision: z.int(), pid: z.int().nullable(), port: z.int(), healthy: z.boolean(), state: z.string() })),
    message: z.string(),
    analyses: z.array(analysisView),
    router: z.object({ pid: z.int().nullable(), port: z.int(), adminPort: z.int() }).nullable(),
    deployment: z.object({ id: z.int(), kind: z.string(), strategy: z.string(), author: z.string(), startedAt: isoTime, updatedAt: isoTime, finishedAt: isoTime.nullable(), ...supersession }),
  })
  .meta({ id: 'Status' });

export const historyEntry = z
  .object({
    deployment: z.int(),
    revision: z.int(),
    version: z.string(),
    digest: z.string(),
    kind: z.string(),
    strategy: z.string(),
    author: z.string(),
    startedAt: isoTime,
    finishedAt: isoTime.nullable(),
    outcome: phase,
    message: z.string(),
    ...supersession,
    analyses: z.array(z.object({ kind: z.string(), phase: z.string(), message: z.string(), metrics: z.array(z.object({ name: z.string(), phase: z.string(), value: z.unknown().optional() })) })),
  })
  .meta({ id: 'HistoryEntry' });

export const artifactRef = z.object({
  digest: z.string().meta({ description: 'sha256 hex digest returned by POST /v1/artifacts' }),
  size: z.int().optional(),
  signature: z.string().optional().meta({ description: 'the minisign signature file, when the artifact is signed' }),
});

export const storedEvent = z
  .object({
    seq: z.int(),
    deployment: z.int().nullable(),
    service: z.string(),
    type: z.string().meta({ description: 'see the README: Event stream' }),
    data: z.record(z.string(), z.unknown()),
    at: z.number(),
  })
  .meta({ id: 'Event' });

export const scrapeTargets = z
  .array(z.object({ targets: z.array(z.string()), labels: z.record(z.string(), z.string()) }))
  .meta({ id: 'ScrapeTargets', description: "Prometheus http_sd_configs format" });

export const anyObject = z.record(z.string(), z.unknown());

const step = z.object({ type: z.string() }).catchall(z.unknown()).meta({ description: 'one step of a plan: scale, setWeight, preview, pause, promote, retire, analysis, approval, restart or hook, with its fields' });

export const applyPlan = z
  .object({
    service: z.string(),
    environment: z.string(),
    current: z.object({ revision: z.int(), version: z.string(), digest: z.string(), instances: z.int() }).nullable().meta({ description: 'what serves now; null for a new service' }),
    next: z.object({ revision: z.int(), version: z.string(), digest: z.string(), artifactChanged: z.boolean().nullable(), artifactKnown: z.boolean() }),
    changes: z
      .array(z.object({ path: z.string(), change: z.enum(['added', 'removed', 'changed']), from: z.unknown().optional(), to: z.unknown().optional() }))
      .meta({ description: 'field-level difference from the serving revision\'s spec (normalized field paths; secret values masked)' }),
    strategy: z.string(),
    steps: z.array(z.object({ index: z.int(), step, description: z.string(), weights: z.object({ new: z.number(), current: z.number() }) })),
    gates: z
      .array(z.object({ gate: z.string(), passes: z.boolean().nullable(), message: z.string() }))
      .meta({ description: 'each rule an apply would meet; passes null: decided later (an approver, or checks of an artifact the server does not have yet)' }),
    inProgress: z.object({ deployment: z.int(), revision: z.int(), phase: z.string(), step: z.string().nullable(), supersededByApply: z.boolean() }).nullable(),
    wouldStart: z.boolean(),
  })
  .meta({ id: 'ApplyPlan' });
