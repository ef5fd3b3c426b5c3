/**
 * An open-loop load generator for integration tests, the benchmark and the
 * demo. Requests are sent on a fixed schedule whether or not earlier ones have
 * answered, so a slow or stalled service shows up as latency and failures
 * instead of quietly lowering the rate (no coordinated omission).
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { identify, sortedPercentile } from './figures.ts';
import type { FailureSample, LoadOptions, LoadReport, LoadRun, ResponseRecord } from './types.ts';

const TICK_MS = 10;
const MAX_FAILURE_SAMPLES = 20;
const MAX_BODY_CHARS = 64 * 1024;

/** Starts sending `ratePerSecond` GET requests to `url` until `stop()`. */
/** The failure of a request that timed out after waiting more than half its deadline for one of the client's connections. */
export const TIMED_OUT_QUEUED = 'ETIMEDOUT_QUEUED';

export function startLoad(options: LoadOptions): LoadRun {
  const url = new URL(options.url);
  const client = url.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const startedAt = Date.now();
  const start = performance.now();
  const since = (): number => performance.now() - start;

  let sent = 0;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  const failedBy: Record<string, number> = {};
  const failures: FailureSample[] = [];
  const latencies: number[] = [];
  const byVersion: Record<string, number> = {};
  const byRevision: Record<string, number> = {};
  const timeline: ResponseRecord[] = [];
  let drained: (() => void) | undefined;

  const fail = (sample: FailureSample): void => {
    failed++;
    const kind = sample.error ?? String(sample.status);
    failedBy[kind] = (failedBy[kind] ?? 0) + 1;
    if (failures.length < MAX_FAILURE_SAMPLES) failures.push(sample);
  };

  const finish = (): void => {
    inFlight--;
    if (inFlight === 0 && drained) drained();
  };

  const send = (): void => {
    sent++;
    inFlight++;
    const begun = performance.now();
    let ended = false;
    const end = (record: () => void): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      record();
      finish();
    };
    let socketAt: number | undefined;
    // A whole-request deadline: the socket's own timeout only notices silence. A request that spent most of it
    // waiting in this client for one of its connections (all busy: the service answers slower than the rate
    // needs) says so: an overloaded service, not one that stopped answering.
    const timer = setTimeout(() => {
      const queuedMs = (socketAt ?? performance.now()) - begun;
      end(() => fail({ at: since(), error: queuedMs > timeoutMs / 2 ? TIMED_OUT_QUEUED : 'ETIMEDOUT' }));
      request.destroy();
    }, timeoutMs);
    const request = client.get(url, { agent, headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < MAX_BODY_CHARS) body += chunk;
      });
      response.on('error', (error: NodeJS.ErrnoException) => end(() => fail({ at: since(), error: error.code ?? error.message })));
      // A connection cut mid-body may close the response without an error.
      response.on('close', () => end(() => fail({ at: since(), status: response.statusCode, error: 'ECONNRESET', body: body.slice(0, 200) })));
      response.on('end', () =>
        end(() => {
          const status = response.statusCode ?? 0;
          const record: ResponseRecord = { at: since(), latencyMs: performance.now() - begun, ok: status >= 200 && status < 300, status, ...identify(body) };
          timeline.push(record);
          if (record.version !== undefined) byVersion[record.version] = (byVersion[record.version] ?? 0) + 1;
          if (record.revision !== undefined) byRevision[record.revision] = (byRevision[record.revision] ?? 0) + 1;
          if (record.ok) {
            ok++;
            latencies.push(performance.now() - begun);
          } else {
            fail({ at: record.at, status, body: body.slice(0, 200) });
          }
        }),
      );
    });
    request.on('socket', () => (socketAt = performance.now()));
    request.on('error', (error: NodeJS.ErrnoException) => end(() => fail({ at: since(), error: error.code ?? error.message })));
  };

  // Each tick sends however many requests are due by now, so a late tick
  // catches up instead of lowering the rate.
  const ticker = setInterval(() => {
    const due = Math.floor((since() * options.ratePerSecond) / 1000) - sent;
    for (let i = 0; i < due; i++) send();
  }, TICK_MS);

  const snapshot = (): LoadReport => {
    const sorted = Float64Array.from(latencies).sort();
    return {
      startedAt,
      durationMs: since(),
      sent,
      ok,
      failed,
      inFlight,
      failedBy: { ...failedBy },
      failures: [...failures],
      latencyMs: {
        p50: sortedPercentile(sorted, 50),
        p90: sortedPercentile(sorted, 90),
        p99: sortedPercentile(sorted, 99),
        max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
      },
      byVersion: { ...byVersion },
      byRevision: { ...byRevision },
      timeline: [...timeline],
    };
  };

  let stopped: Promise<LoadReport> | undefined;
  const stop = (): Promise<LoadReport> => {
    stopped ??= (async () => {
      clearInterval(ticker);
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      agent.destroy();
      return snapshot();
    })();
    return stopped;
  };

  return { stop, snapshot };
}
