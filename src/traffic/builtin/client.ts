import { setTimeout as sleep } from 'node:timers/promises';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';
import { AdminPath, type AdminErrorBody, type HealthzAnswer, type RequestSamples, type RouterConfig, type RouterStats, type TokenChange } from '../../router/wire.ts';

export interface RouterAdminClientOptions {
  /** Per call. @default 5_000 */
  timeoutMs?: number;
  /** Between two stats reads while waiting for a drain. @default 100 */
  pollMs?: number;
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * The control plane's side of the built-in router's admin API on 127.0.0.1.
 * A router that does not answer is a RouterUnavailable error marked
 * retryable; an answer that refuses the call keeps the router's own code.
 */
export class RouterAdminClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly pollMs: number;

  constructor(
    readonly adminPort: number,
    private readonly token: string,
    options: RouterAdminClientOptions = {},
  ) {
    this.base = `http://127.0.0.1:${adminPort}`;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.pollMs = options.pollMs ?? 100;
  }

  /** Makes the router serve `config`; a Conflict error when it already has a newer generation. */
  async pushConfig(config: RouterConfig): Promise<void> {
    await this.call('PUT', AdminPath.config, config);
  }

  /** Makes `token` the router's admin token (this client keeps the old one: make a new client after). */
  async changeToken(token: string): Promise<void> {
    await this.call('PUT', AdminPath.token, { token } satisfies TokenChange);
  }

  async getConfig(): Promise<RouterConfig> {
    return (await this.call('GET', AdminPath.config)) as RouterConfig;
  }

  async getStats(): Promise<RouterStats> {
    return (await this.call('GET', AdminPath.stats)) as RouterStats;
  }

  /** Answers recorded after sequence number `after`, one by one (for the canary judge). */
  async getSamples(after: number): Promise<RequestSamples> {
    return (await this.call('GET', `${AdminPath.samples}?after=${after}`)) as RequestSamples;
  }

  /** Whether the router answers at all (no token needed); never throws. */
  async healthz(): Promise<boolean> {
    return (await this.health()) !== null;
  }

  /** The router's answer to /healthz (its pid and the generation it serves), or null when it does not answer; never throws. */
  async health(): Promise<HealthzAnswer | null> {
    try {
      const response = await fetch(`${this.base}${AdminPath.healthz}`, { signal: AbortSignal.timeout(this.timeoutMs) });
      const body = (await response.json()) as Partial<HealthzAnswer>;
      return response.ok && body.ok === true ? (body as HealthzAnswer) : null;
    } catch {
      return null;
    }
  }

  /**
   * Waits until the router has no request in flight to `backendId` (which
   * must already be out of rotation), at most `timeoutMs`. An instance the
   * router no longer knows has nothing in flight. Brief router outages are
   * waited through; if the router never answered, its error is thrown.
   */
  async waitForDrain(backendId: string, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    const deadline = Date.now() + timeoutMs;
    let inFlight: number | undefined;
    let lastError: unknown;
    while (true) {
      try {
        const stats = await this.getStats();
        inFlight = stats.backends[backendId]?.inFlight ?? 0;
        // A worker that did not answer may hold requests its old counters miss: only a read of every worker proves a drain.
        if (inFlight === 0 && !stats.unanswered) return { drained: true, inFlight };
      } catch (error) {
        if (!(error instanceof CutoverError) || !error.retryable) throw error;
        lastError = error;
      }
      if (Date.now() >= deadline) break;
      await sleep(Math.min(this.pollMs, Math.max(0, deadline - Date.now())));
    }
    if (inFlight === undefined) throw lastError;
    return { drained: false, inFlight };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new CutoverError(
        ErrorCode.RouterUnavailable,
        `The router's admin API on port ${this.adminPort} did not answer ${method} ${path} (${messageOf(error)}); is the router running?`,
        { cause: error, retryable: true, context: { adminPort: this.adminPort } },
      );
    }
    const parsed = parseJson(text);
    if (response.ok) return parsed;
    throw refusal(response.status, method, path, parsed as Partial<AdminErrorBody> | undefined);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The router answered but refused: keep its code and context; a 5xx may pass, so it is retryable. */
function refusal(status: number, method: string, path: string, body: Partial<AdminErrorBody> | undefined): CutoverError {
  const error = body?.error;
  const code = error?.code && KNOWN_CODES.has(error.code) ? (error.code as ErrorCode) : status === 401 ? ErrorCode.Unauthorized : ErrorCode.RouterUnavailable;
  const message = error?.message ?? `The router answered ${status} to ${method} ${path}.`;
  return new CutoverError(code, message, {
    context: { ...error?.context, status },
    problems: error?.problems,
    retryable: status >= 500,
  });
}
