import { instanceAgeMs, type BackendPool } from './backends.ts';
import type { ProxyRequest } from './exchange.ts';
import type { RawHeaders } from './headers.ts';
import type { RoutingTable } from './routing-table.ts';
import type { TrafficStats } from './stats.ts';
import { Cancellation, sendToBackend } from './upstream.ts';

/** Only these are mirrored: sending them twice changes nothing (RFC 9110 §9.2.1), and they carry no body to hold. */
const MIRRORED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Mirrors in flight at once; past this, requests are not mirrored (a slow canary must not pile up sockets and memory). */
export const MAX_MIRRORS_IN_FLIGHT = 256;
/** A mirrored answer that takes longer is abandoned and counted as the canary's failure. */
export const MIRROR_TIMEOUT_MS = 30_000;
/** Sent with every mirrored copy, so the instance (and its logs) can tell it from a user's request. */
export const MIRROR_HEADER = 'x-cutover-mirror';

/**
 * The dark launch (a canary's setMirrorRoute step): a share of the live
 * idempotent requests that stable answers is also sent to the mirror
 * revision. The user always gets stable's answer; the copy's answer is read
 * to its end and thrown away, and recorded as one of that revision's
 * answers (status and latency, a canary sample for the comparative judge,
 * not pinned), so the judge compares the canary's answers with stable's to
 * the same stream of requests before any user is served by it.
 *
 * The share is exact, not random: every request adds `percentage` to a
 * credit, and one is mirrored each time it reaches 100. A request with a
 * body is never mirrored, so no body is held for it.
 */
export class Mirror {
  private credit = 0;
  private inFlight = 0;

  constructor(
    private readonly table: RoutingTable,
    private readonly stats: TrafficStats,
  ) {}

  /** Whether to mirror this request, which the weights sent to `servedBy`. Counts it towards the share. */
  wanted(method: string | undefined, hadBody: boolean, servedBy: number): number | undefined {
    const mirror = this.table.config?.mirror;
    if (!mirror || servedBy === mirror.revision || hadBody || !MIRRORED_METHODS.has(method ?? '')) return undefined;
    this.credit += mirror.percentage;
    if (this.credit < 100) return undefined;
    this.credit -= 100;
    return this.inFlight < MAX_MIRRORS_IN_FLIGHT ? mirror.revision : undefined;
  }

  /** Sends the copy; never throws, never touches the user's answer. */
  send(revision: number, req: ProxyRequest, headers: RawHeaders, route: string): void {
    const backend = this.table.choose({ kind: 'only', revision }, new Set());
    if (!backend) return;
    const pool: BackendPool = this.table.pool;
    const started = performance.now();
    const cancel = new Cancellation();
    const timeout = setTimeout(() => cancel.cancel('the mirrored answer took too long'), MIRROR_TIMEOUT_MS);
    timeout.unref();
    const tags = { route, pinned: false, instanceAgeMs: instanceAgeMs(backend) };
    this.inFlight++;
    const done = (): void => {
      clearTimeout(timeout);
      this.inFlight--;
    };
    void sendToBackend(pool, backend, {
      method: req.method,
      path: req.url,
      headers: [...headers, MIRROR_HEADER, '1'],
      body: { kind: 'buffered', data: Buffer.alloc(0) },
      source: req,
      cancel,
    }).then((outcome) => {
      if (outcome.kind !== 'answered') {
        // Could not connect, broke off before an answer, or timed out: the canary failed this request.
        this.stats.brokeOff(revision, tags);
        done();
        return;
      }
      const { response } = outcome;
      // The body is read and dropped: only its status and when it ended count.
      response.relay({
        write: () => true,
        end: () => {
          this.stats.answered(revision, response.statusCode, performance.now() - started, tags);
          done();
        },
        fail: () => {
          this.stats.brokeOff(revision, tags);
          done();
        },
      });
    });
  }
}
