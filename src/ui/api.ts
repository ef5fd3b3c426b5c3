/**
 * Every call the dashboard makes to the API, in one place: the page holds no
 * data of its own and can do only what the API lets the signed-in token do.
 * Where a service lives in the URL is decided by `servicePath` alone.
 */

// The shapes the API answers with are the server's own types (erased at
// build time), so the page cannot drift from what the server sends.
export type { StatusView as Status, HistoryEntry } from '../api/views.ts';
export type { AnalysisView, Measurement, MetricView } from '../core/analysis.ts';
export type { Phase } from '../core/types.ts';
export type { Identity as Me, Grant } from '../security/identity/roles.ts';
import type { StatusView as Status, HistoryEntry } from '../api/views.ts';
import type { StoredEvent as StoredEventRecord } from '../store/deployments.ts';
import type { Identity as Me } from '../security/identity/roles.ts';

/** One stored event as the API sends it: `data` is the deployment event itself (src/core/deployment.ts), or a note — always an object on the wire. */
export type StoredEvent = Omit<StoredEventRecord, 'data'> & { data: Record<string, unknown> };

export interface Environment {
  name: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  status: number | null;
}

/** An answer the API refused, with its message (what was wrong and what to do). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The service's address in the API. */
export function servicePath(environment: string, name: string): string {
  return `/v1/environments/${encodeURIComponent(environment)}/services/${encodeURIComponent(name)}`;
}

export class Api {
  constructor(private readonly token: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(response.status, error?.code ?? String(response.status), error?.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }

  me = () => this.call<Me>('GET', '/v1/me');
  services = () => this.call<{ services: Status[] }>('GET', '/v1/services').then((r) => r.services);
  environments = () => this.call<{ environments: Environment[] }>('GET', '/v1/environments').then((r) => r.environments);
  status = (env: string, name: string) => this.call<Status>('GET', servicePath(env, name));
  history = (env: string, name: string) => this.call<{ history: HistoryEntry[] }>('GET', `${servicePath(env, name)}/history`).then((r) => r.history);
  events = (env: string, name: string, after = 0) =>
    this.call<{ last: number; events: StoredEvent[] }>('GET', `/v1/events?after=${after}&service=${encodeURIComponent(name)}&environment=${encodeURIComponent(env)}`);
  promote = (env: string, name: string, full: boolean) => this.call<Status>('POST', `${servicePath(env, name)}/promote${full ? '?full=true' : ''}`, full ? { full: true } : {});
  abort = (env: string, name: string) => this.call<Status>('POST', `${servicePath(env, name)}/abort`, {});
  rollback = (env: string, name: string, toRevision?: number) =>
    this.call<{ deployment: number; revision: number }>('POST', `${servicePath(env, name)}/rollback`, toRevision === undefined ? {} : { toRevision });
  approve = (deployment: number) => this.call<Status>('POST', `/v1/deployments/${deployment}/approve`, {});
  reject = (deployment: number, reason: string) => this.call<Status>('POST', `/v1/deployments/${deployment}/reject`, { reason });
  audit = (limit = 100) => this.call<{ head: unknown; entries: AuditEntry[] }>('GET', `/v1/audit?limit=${limit}`);
  verifyAudit = () => this.call<Record<string, unknown>>('GET', '/v1/audit/verify');

  /**
   * The live event stream (Server-Sent Events over fetch, since EventSource
   * cannot send the token), reconnecting from the last event seen. Returns
   * a function that stops it.
   */
  stream(onEvent: (event: StoredEvent) => void, onState: (connected: boolean) => void): () => void {
    const controller = new AbortController();
    let last = 0;
    const run = async () => {
      while (!controller.signal.aborted) {
        try {
          const response = await fetch(`/v1/events/stream?after=${last}`, { headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' }, signal: controller.signal });
          if (!response.ok || !response.body) throw new ApiError(response.status, 'stream', `the event stream answered HTTP ${response.status}`);
          onState(true);
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          while (true) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block
                .split('\n')
                .filter((line) => line.startsWith('data:'))
                .map((line) => line.slice(5).trimStart())
                .join('\n');
              if (!data) continue;
              const event = JSON.parse(data) as StoredEvent;
              last = Math.max(last, event.seq);
              onEvent(event);
            }
          }
        } catch (error) {
          if (controller.signal.aborted) return;
          void error;
        }
        onState(false);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    void run();
    return () => controller.abort();
  }
}
