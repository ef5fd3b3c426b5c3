/** What the load generator takes and what it reports. */

export interface LoadOptions {
  /** The only URL requests go to (tests pass 127.0.0.1 URLs). */
  url: string;
  ratePerSecond: number;
  /**
   * A request that has not fully answered by then fails with ETIMEDOUT, or ETIMEDOUT_QUEUED when it spent more than
   * half of that waiting in the client for one of its 64 connections (all busy: the service answers slower than the
   * rate needs). @default 10_000
   */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** One failed request: its HTTP status, or the socket error code when there was no response. */
export interface FailureSample {
  /** Milliseconds since the load started. */
  at: number;
  status?: number;
  error?: string;
  body?: string;
}

/** One answered request, in the order answers arrived. */
export interface ResponseRecord {
  /** Milliseconds since the load started, when the response ended. */
  at: number;
  /** How long the request took, in milliseconds. */
  latencyMs: number;
  ok: boolean;
  status: number;
  version?: string;
  revision?: string;
}

export interface LoadReport {
  /** Wall-clock time (epoch ms) the load started, to line it up with events. */
  startedAt: number;
  durationMs: number;
  sent: number;
  /** Answered 2xx. */
  ok: number;
  /** Answered non-2xx, or failed with a socket error or a timeout. */
  failed: number;
  inFlight: number;
  /** Failures per kind: the status ("503") or error code ("ECONNRESET"). */
  failedBy: Record<string, number>;
  /** The first failures, to show in an assertion message. */
  failures: FailureSample[];
  /** Of successful requests; 0 when there were none. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Responses (any status) per `version` / `revision` field of their JSON body. */
  byVersion: Record<string, number>;
  byRevision: Record<string, number>;
  timeline: ResponseRecord[];
}

export interface LoadRun {
  /** Stops sending and resolves once every request in flight has ended. */
  stop(): Promise<LoadReport>;
  /** The figures so far; the load keeps running. */
  snapshot(): LoadReport;
}
