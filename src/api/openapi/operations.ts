import { z } from 'zod';
import { specDocumentSchema } from '../../spec/schema.ts';
import { anyObject, applyPlan, artifactRef, errorBody, historyEntry, scrapeTargets, statusView, storedEvent } from './schemas.ts';

/** What an operation answers on success. */
export type Answer =
  | { json: z.ZodType; status?: 200 | 201 | 202 }
  | { text: 'text/plain' | 'text/html' | 'text/event-stream' | 'application/octet-stream' | 'prometheus'; description: string };

/** One documented route. Keys of OPERATIONS are `METHOD /path` exactly as in permissions.ts. */
export interface Operation {
  summary: string;
  tag: string;
  query?: Record<string, { description: string; type: 'string' | 'integer' }>;
  body?: z.ZodType | 'tar.gz';
  answer: Answer;
}

const ok = (json: z.ZodType, status?: 200 | 201 | 202): Answer => (status ? { json, status } : { json });
const specBody = { spec: specDocumentSchema.meta({ id: 'ServiceSpec', description: 'The spec document, as `cutover schema` prints it' }), artifact: artifactRef };
const supersede = z
  .boolean()
  .optional()
  .describe('Default true: a deployment of the service in flight is aborted (traffic back to stable, its new instances drained; phase Superseded) and this one starts from stable. false: answer 409 naming the running deployment instead (`--no-supersede`).');
const applyBody = z.object({ ...specBody, supersede });

/**
 * Every route of the API, described. The OpenAPI test walks the permission
 * table and the open routes and fails on a route missing here, or an entry
 * here that names no route.
 */
export const OPERATIONS: Record<string, Operation> = {
  'GET /healthz': { summary: 'Liveness (no authentication)', tag: 'server', answer: ok(z.object({ ok: z.literal(true) })) },
  'GET /v1/openapi.json': { summary: 'This document (no authentication)', tag: 'server', answer: ok(anyObject) },
  'GET /ui': { summary: 'The web dashboard (redirects to /ui/; no authentication, holds no data)', tag: 'dashboard', answer: { text: 'text/html', description: 'a redirect to /ui/' } },
  'GET /ui/': { summary: "The web dashboard's page (no authentication, holds no data)", tag: 'dashboard', answer: { text: 'text/html', description: 'the page' } },
  'GET /ui/:file': { summary: "The web dashboard's static files (no authentication, hold no data)", tag: 'dashboard', answer: { text: 'application/octet-stream', description: 'a script, style sheet or image' } },
  'GET /v1/me': { summary: 'Who the credentials belong to, and their roles', tag: 'users', answer: ok(z.object({ user: z.string(), grants: z.array(z.object({ role: z.string(), environment: z.string() })) })) },
  'GET /v1/control-plane': {
    summary: 'The leader of the control plane (the holder of the leadership lease) and the replica that answered; both null for a server that is not a replica',
    tag: 'server',
    answer: ok(
      z.object({
        replica: z.object({ id: z.string(), url: z.string() }).nullable(),
        leader: z.object({ id: z.string(), url: z.string(), token: z.int(), since: z.string(), expiresAt: z.string(), live: z.boolean() }).nullable(),
      }),
    ),
  },
  'POST /v1/artifacts': { summary: 'Upload an artifact (tar.gz, at most limits.artifactSize: 512 MiB by default, else 413), streamed to disk; stored by SHA-256', tag: 'artifacts', body: 'tar.gz', answer: ok(z.object({ digest: z.string(), size: z.int() }), 201) },
  'GET /v1/artifacts/recipient': { summary: "The server's age recipient, to upload encrypted artifacts", tag: 'artifacts', answer: ok(z.object({ recipient: z.string() })) },
  'GET /v1/artifacts/:digest/export': {
    summary: 'Export a stored artifact, age-encrypted to `recipient` when given',
    tag: 'artifacts',
    query: { recipient: { description: 'an age recipient (age1…)', type: 'string' } },
    answer: { text: 'application/octet-stream', description: 'the artifact' },
  },
  'POST /v1/apply': { summary: 'Validate a spec and start a deployment (superseding one in flight unless `supersede: false`)', tag: 'deployments', body: applyBody, answer: ok(z.object({ deployment: z.int(), revision: z.int(), status: statusView }), 202) },
  'POST /v1/plan': { summary: 'What an apply of the spec would change, run and meet (spec diff, steps with weights, gates, a deployment in progress it would supersede); changes nothing', tag: 'deployments', body: z.object(specBody), answer: ok(applyPlan) },
  'POST /v1/policy/test': { summary: 'Evaluate policies, signature and scan for a spec without deploying', tag: 'deployments', body: z.object(specBody), answer: ok(anyObject) },
  'GET /v1/services': { summary: 'Every service and its status', tag: 'services', answer: ok(z.object({ services: z.array(statusView) })) },
  'GET /v1/pipelines/:name': { summary: 'Every environment of a service side by side (version, revision, digest, phase, when, by whom, stages passed)', tag: 'services', answer: ok(anyObject) },
  'GET /v1/environments/:env/services/:name': { summary: "A service's status", tag: 'services', answer: ok(statusView) },
  'GET /v1/environments/:env/services/:name/history': { summary: "A service's deployments", tag: 'services', answer: ok(z.object({ service: z.string(), history: z.array(historyEntry) })) },
  'GET /v1/environments/:env/services/:name/logs': {
    summary: "The instances' log lines, prefixed with the instance id; with `follow=true`, then every new line as it is written (instances that start later included) until the caller disconnects",
    tag: 'services',
    query: {
      instance: { description: 'one instance id', type: 'string' },
      lines: { description: 'earlier lines per instance (0..10000, default 200)', type: 'integer' },
      follow: { description: '`true`: keep the answer open and stream new lines (at most 32 followers per server, else 429)', type: 'string' },
    },
    answer: { text: 'text/plain', description: 'log lines' },
  },
  'GET /v1/environments/:env/services/:name/stats': { summary: "The router's per-revision counters", tag: 'services', answer: ok(anyObject) },
  'POST /v1/environments/:env/services/:name/promote': {
    summary: 'Resume a paused deployment or continue past a pause step; `full: true` goes to 100% at once, skipping the remaining pauses and analyses',
    tag: 'deployments',
    body: z.object({ full: z.boolean().optional() }),
    answer: ok(statusView),
  },
  'POST /v1/environments/:env/services/:name/pause': { summary: 'Pause the deployment in progress at its current step, until promote resumes it', tag: 'deployments', answer: ok(statusView) },
  'POST /v1/environments/:env/services/:name/retry': {
    summary: "Deploy again the revision of the latest deployment, which was aborted, rolled back or failed, through every check of an apply",
    tag: 'deployments',
    answer: ok(z.object({ deployment: z.int(), revision: z.int(), status: statusView }), 202),
  },
  'POST /v1/environments/:env/services/:name/restart': {
    summary: "Rolling restart of the serving revision's instances, one at a time, keeping capacity (a deployment of kind restart)",
    tag: 'deployments',
    answer: ok(z.object({ deployment: z.int(), revision: z.int(), status: statusView }), 202),
  },
  'POST /v1/environments/:env/services/:name/abort': { summary: 'Abort the deployment in progress (all traffic to stable)', tag: 'deployments', answer: ok(statusView) },
  'POST /v1/environments/:env/services/:name/rollback': {
    summary: 'Deploy an earlier revision (default: the previous successful one)',
    tag: 'deployments',
    body: z.object({ toRevision: z.int().min(1).optional() }),
    answer: ok(z.object({ deployment: z.int(), revision: z.int(), status: statusView }), 202),
  },
  'POST /v1/environments/:env/services/:name/promote-env': {
    summary: 'Deploy the artifact (digest and signature) that succeeded in `from` to this environment; `from` keeps running',
    tag: 'deployments',
    body: z.object({ from: z.string(), target: z.string().optional(), supersede }),
    answer: ok(z.object({ deployment: z.int(), revision: z.int(), service: z.string(), environment: z.string(), digest: z.string() }), 202),
  },
  'DELETE /v1/environments/:env/services/:name': { summary: 'Drain and stop every instance and the router; history is kept', tag: 'services', answer: ok(z.object({ deleted: z.string() })) },
  'POST /v1/deployments/:id/approve': { summary: 'Approve a deployment waiting for approval', tag: 'deployments', answer: ok(anyObject) },
  'POST /v1/deployments/:id/reject': { summary: 'Reject a deployment waiting for approval (it ends Aborted)', tag: 'deployments', body: z.object({ reason: z.string().optional() }), answer: ok(anyObject) },
  'GET /v1/environments': { summary: 'Environments and their rules', tag: 'environments', answer: ok(anyObject) },
  'GET /v1/environments/:name': { summary: 'One environment, its rules and how each is enforced', tag: 'environments', answer: ok(anyObject) },
  'GET /v1/environments/:env/services/:name/lock': { summary: "A service's deploy lock", tag: 'locks', answer: ok(z.object({ lock: anyObject.nullable() })) },
  'POST /v1/environments/:env/services/:name/lock': { summary: 'Lock a service against apply and rollback', tag: 'locks', body: z.object({ message: z.string() }), answer: ok(z.object({ lock: anyObject }), 201) },
  'DELETE /v1/environments/:env/services/:name/lock': { summary: 'Release a deploy lock', tag: 'locks', answer: ok(z.object({ released: z.boolean() })) },
  'GET /v1/events': {
    summary: 'Events after a sequence number',
    tag: 'events',
    query: { after: { description: 'sequence number', type: 'integer' }, service: { description: 'one service', type: 'string' } },
    answer: ok(z.object({ last: z.int(), events: z.array(storedEvent) })),
  },
  'GET /v1/events/stream': {
    summary: 'Server-Sent Events of every deployment event; resume with Last-Event-ID',
    tag: 'events',
    query: { service: { description: 'one service', type: 'string' }, environment: { description: 'one environment', type: 'string' } },
    answer: { text: 'text/event-stream', description: 'one SSE message per event: id = sequence number, event = type, data = the event as JSON' },
  },
  'POST /v1/alerts/test': { summary: 'Send a test alert to every sink', tag: 'alerts', answer: ok(anyObject) },
  'GET /v1/keys': { summary: 'Encryption keys at rest and how many artifacts each encrypts', tag: 'keys', answer: ok(anyObject) },
  'POST /v1/keys/rotate': { summary: 'New encryption key; re-encrypt every artifact and secret to it', tag: 'keys', answer: ok(anyObject) },
  'POST /v1/keys/:id/retire': { summary: 'Delete an encryption key nothing uses', tag: 'keys', answer: ok(z.object({ retired: z.string() })) },
  'GET /v1/users': { summary: 'Users and their roles', tag: 'users', answer: ok(z.object({ users: z.array(anyObject) })) },
  'POST /v1/users': {
    summary: 'Add a user (or change its roles); a new user gets a token, shown once',
    tag: 'users',
    body: z.object({ name: z.string(), roles: z.array(z.string()).meta({ description: 'ROLE:ENV, e.g. deployer:staging' }), token: z.boolean().optional() }),
    answer: ok(z.object({ user: anyObject, token: z.string().optional() }), 201),
  },
  'DELETE /v1/users/:name': { summary: 'Remove a user: tokens deleted, keys revoked', tag: 'users', answer: ok(z.object({ removed: z.string() })) },
  'POST /v1/users/:name/grants': {
    summary: 'Grant roles to a user (`cutover user grant`)',
    tag: 'users',
    body: z.object({ roles: z.array(z.string()).meta({ description: 'ROLE:ENV, e.g. approver:production' }) }),
    answer: ok(z.object({ user: anyObject })),
  },
  'DELETE /v1/users/:name/grants/:grant': { summary: 'Take one role from a user (`cutover user revoke-role`); the grant is ROLE:ENV. The last admin on every environment cannot lose it', tag: 'users', answer: ok(z.object({ user: anyObject })) },
  'DELETE /v1/users/:name/tokens': { summary: "Revoke every API token of a user (`cutover user token revoke`); its signing keys are kept", tag: 'users', answer: ok(z.object({ user: z.string(), revoked: z.int() })) },
  'POST /v1/users/:name/keys': {
    summary: 'Register a request-signing key for a user',
    tag: 'users',
    body: z.object({ alg: z.enum(['ed25519', 'hmac-sha256']).optional(), keyid: z.string().optional(), publicKey: z.string().optional() }),
    answer: ok(z.object({ keyid: z.string(), alg: z.string(), user: z.string(), secret: z.string().optional() }), 201),
  },
  'DELETE /v1/signing-keys/:keyid': { summary: 'Revoke a request-signing key', tag: 'users', answer: ok(anyObject) },
  'GET /v1/audit': {
    summary: 'The audit chain and its head (audited)',
    tag: 'audit',
    query: { limit: { description: 'entries (default 100)', type: 'integer' }, after: { description: 'sequence number', type: 'integer' } },
    answer: ok(z.object({ head: anyObject.nullable(), entries: z.array(anyObject) })),
  },
  'GET /v1/audit/head': { summary: "The audit chain's last entry (seq and hash): keep it outside the server to check the log against later (audited)", tag: 'audit', answer: ok(z.object({ seq: z.int(), hash: z.string() })) },
  'GET /v1/audit/verify': {
    summary: 'Check the audit chain; names the first entry edited, removed or reordered. With `head`, also entries removed from the end (audited)',
    tag: 'audit',
    query: { head: { description: 'a head saved earlier, `seq:hash` as `cutover audit head` prints it', type: 'string' } },
    answer: ok(anyObject),
  },
  'GET /v1/metrics/targets': { summary: "Every router's metrics endpoint for Prometheus' HTTP service discovery (also the metrics token)", tag: 'metrics', answer: ok(scrapeTargets) },
  'GET /metrics': { summary: "The control plane's metrics, Prometheus text format (also the metrics token)", tag: 'metrics', answer: { text: 'prometheus', description: 'Prometheus text exposition format 0.0.4' } },
};

export { errorBody };
