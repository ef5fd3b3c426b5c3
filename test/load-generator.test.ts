import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoad, type LoadRun } from '../src/load/index.ts';
import { waitFor } from './support/cluster.ts';

/** The load generator against a real HTTP server on 127.0.0.1. */
describe('the load generator', () => {
  let server: Server | null = null;
  let load: LoadRun | null = null;

  afterEach(async () => {
    await load?.stop();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = null;
    load = null;
  });

  async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('counts every request it sent as answered or failed, and which version answered', async () => {
    let n = 0;
    const url = await serve((_request, response) => {
      n++;
      if (n % 4 === 0) response.writeHead(503).end('busy');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: n % 2 ? '1.0.0' : '2.0.0', revision: 7 }));
    });
    load = startLoad({ url, ratePerSecond: 200 });
    await waitFor('40 answers', () => load!.snapshot().timeline.length >= 40);
    const report = await load.stop();
    expect(report.inFlight).toBe(0);
    expect(report.ok + report.failed).toBe(report.sent);
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failedBy).toEqual({ '503': report.failed });
    expect(report.failures[0]).toMatchObject({ status: 503, body: 'busy' });
    expect(report.byVersion['1.0.0']! + report.byVersion['2.0.0']!).toBe(report.ok);
    expect(report.byRevision).toEqual({ '7': report.ok });
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(report.latencyMs.p99);
  });

  it('keeps sending on schedule while the server stalls (no coordinated omission), then fails what never answered', async () => {
    const url = await serve(() => {
      // never answers
    });
    load = startLoad({ url, ratePerSecond: 200, timeoutMs: 1_000 });
    const stalled = await waitFor('20 requests in flight with no answer', () => {
      const now = load!.snapshot();
      return now.sent >= 20 ? now : null;
    });
    expect(stalled.inFlight).toBe(stalled.sent);
    expect(stalled.ok).toBe(0);
    const report = await load.stop();
    expect(report.inFlight).toBe(0);
    expect(report.failed).toBe(report.sent);
    // 64 connections carry a request each; the rest waited in the client for one, and are told apart.
    expect((report.failedBy.ETIMEDOUT ?? 0) + (report.failedBy.ETIMEDOUT_QUEUED ?? 0)).toBe(report.sent);
    expect(report.failedBy.ETIMEDOUT).toBeGreaterThanOrEqual(Math.min(report.sent, 64));
    expect(report.failures.length).toBeLessThanOrEqual(20);
  });

  it('tells a request that timed out waiting for one of its 64 connections from one the server held', async () => {
    const url = await serve(() => {
      // never answers
    });
    load = startLoad({ url, ratePerSecond: 400, timeoutMs: 1_000 });
    await waitFor('more requests than connections', () => load!.snapshot().sent > 120);
    const report = await load.stop();
    // The first 64 had a connection at once and the server held them; requests 65 to 120 or so waited more than 0.5 s for one.
    expect(report.failedBy.ETIMEDOUT).toBeGreaterThanOrEqual(64);
    expect(report.failedBy.ETIMEDOUT_QUEUED).toBeGreaterThan(0);
    expect(report.failedBy.ETIMEDOUT! + report.failedBy.ETIMEDOUT_QUEUED!).toBe(report.sent);
  });

  it('names the socket error when nothing listens', async () => {
    // Port 1: nothing listens there and no parallel test can take it (a port just closed could be reused).
    const url = 'http://127.0.0.1:1/';
    load = startLoad({ url, ratePerSecond: 100 });
    await waitFor('a failure', () => load!.snapshot().failed >= 3);
    const report = await load.stop();
    expect(Object.keys(report.failedBy)).toEqual(['ECONNREFUSED']);
    expect(report.ok).toBe(0);
  });
});
