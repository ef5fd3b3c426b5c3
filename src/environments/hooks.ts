import { messageOf } from '../core/errors.ts';
import { runCommand, type CommandSandbox } from '../core/run-command.ts';
import { OutboundRefused, outboundRequest, type OutboundPolicy } from '../security/outbound/index.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HookPoint, HookSpec } from './types.ts';

/** What a hook is told about the deployment: as environment variables (commands) or a JSON body (HTTP). */
export interface HookContext {
  hook: HookPoint;
  service: string;
  environment: string;
  deployment: number;
  revision: number;
  version: string;
  stableRevision: number | null;
}

export interface HookResult {
  ok: boolean;
  attempts: number;
  /** What the hook said: its last output line, or the HTTP status. */
  detail: string;
}

/** Backoff between attempts: 0.5s, 1s, 2s, … capped at 10s. */
export function hookBackoff(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** (attempt - 1));
}

/** Where a hook runs: commands in the environment's sandbox, HTTP calls only where its outbound allow list says. */
export interface HookRunner {
  sandbox: CommandSandbox;
  outbound: OutboundPolicy;
  /** Opens the sealed values of an HTTP hook's headers, just before the call (credential headers are kept sealed in the store). */
  openHeaders?: (headers: Record<string, string>) => Promise<Record<string, string>>;
}

/** Runs one hook with its timeout, retrying with backoff; never throws. A refused HTTP call is not retried. */
export async function runHook(sealed: HookSpec, context: HookContext, runner: HookRunner, signal?: AbortSignal): Promise<HookResult> {
  let spec = sealed;
  if (spec.http && runner.openHeaders) {
    try {
      spec = { ...spec, http: { ...spec.http, headers: await runner.openHeaders(spec.http.headers) } };
    } catch (error) {
      return { ok: false, attempts: 0, detail: `its sealed headers cannot be opened (${messageOf(error)}); was the key that sealed them retired?` };
    }
  }
  let last: HookResult = { ok: false, attempts: 0, detail: 'not run' };
  for (let attempt = 1; attempt <= spec.retries + 1; attempt++) {
    const result = spec.command ? await runHookCommand(spec.command, spec.timeoutMs, context, runner.sandbox, signal) : await callHttp(spec.http!, spec.timeoutMs, context, runner.outbound, signal);
    last = { ok: result.ok, detail: result.detail, attempts: attempt };
    if (result.ok || result.refused || signal?.aborted) return last;
    if (attempt <= spec.retries) await sleep(hookBackoff(attempt), undefined, { signal }).catch(() => undefined);
  }
  return last;
}

function describe(spec: HookSpec): string {
  return spec.command ? spec.command.join(' ') : `${spec.http!.method} ${spec.http!.url}`;
}

/** Runs every hook of a point in order; stops at the first that fails. */
export async function runHooks(hooks: HookSpec[], context: HookContext, runner: HookRunner, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; message: string }> {
  for (const hook of hooks) {
    const result = await runHook(hook, context, runner, signal);
    if (!result.ok) return { ok: false, message: `${context.hook} hook \`${describe(hook)}\` failed after ${result.attempts} attempt(s): ${result.detail}` };
  }
  return { ok: true };
}

async function runHookCommand(command: string[], timeoutMs: number, context: HookContext, sandbox: CommandSandbox, signal?: AbortSignal): Promise<Omit<HookResult, 'attempts'> & { refused?: true }> {
  const outcome = await runCommand(command, {
    sandbox,
    environment: context.environment,
    env: {
      CUTOVER_HOOK: context.hook,
      CUTOVER_SERVICE: context.service,
      CUTOVER_ENVIRONMENT: context.environment,
      CUTOVER_DEPLOYMENT: String(context.deployment),
      CUTOVER_REVISION: String(context.revision),
      CUTOVER_VERSION: context.version,
      CUTOVER_STABLE_REVISION: context.stableRevision === null ? '' : String(context.stableRevision),
    },
    timeoutMs,
    ...(signal ? { signal } : {}),
  });
  if (!outcome.ran) return { ok: false, detail: outcome.reason };
  return { ok: outcome.code === 0, detail: outcome.code === 0 ? outcome.lastLine || 'exit 0' : `exit ${outcome.code}${outcome.lastLine ? `: ${outcome.lastLine}` : ''}` };
}

async function callHttp(http: NonNullable<HookSpec['http']>, timeoutMs: number, context: HookContext, outbound: OutboundPolicy, signal?: AbortSignal): Promise<Omit<HookResult, 'attempts'> & { refused?: true }> {
  try {
    const response = await outboundRequest(outbound, {
      method: http.method,
      url: http.url,
      headers: { 'content-type': 'application/json', ...http.headers },
      ...(http.method === 'POST' ? { body: JSON.stringify(context) } : {}),
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
    const ok = response.status >= 200 && response.status <= 299;
    return { ok, detail: `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}` };
  } catch (error) {
    return { ok: false, detail: messageOf(error), ...(error instanceof OutboundRefused ? { refused: true as const } : {}) };
  }
}
