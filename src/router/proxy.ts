import { instanceAgeMs, type LiveBackend } from './backends.ts';
import type { ProxyListener, ProxyRequest, ProxyResponse } from './exchange.ts';
import { downstreamHeaders, requestHead } from './headers.ts';
import { readRequestBody, type RequestBody } from './request-body.ts';
import type { Mirror } from './mirror.ts';
import { MAX_ATTEMPTS, isRefused, mayRetry } from './retry.ts';
import { answerRouterError } from './router-errors.ts';
import { routeKey } from './route-key.ts';
import type { Lane, RoutingTable, Target } from './routing-table.ts';
import { PIN_HEADER } from './routing-table.ts';
import type { TrafficStats } from './stats.ts';
import type { UpstreamResponse } from './http1-client.ts';
import { Cancellation, sendToBackend } from './upstream.ts';

export interface ProxyContext {
  table: RoutingTable;
  stats: TrafficStats;
  /** The dark launch: copies of a share of stable's requests to the mirror revision. */
  mirror?: Mirror;
  /** Called when a request fails in a way the router did not expect (a bug): it must not crash the router. */
  onUnexpected(error: unknown): void;
}

/** The body of a request that has none; never written to. */
const NO_BODY: RequestBody = { kind: 'buffered', data: Buffer.alloc(0) };

/** The request handler of one traffic listener. */
export function createProxyHandler(context: ProxyContext, lane: Lane): ProxyListener {
  return (req, res) => {
    proxyRequest(context, lane, req, res).catch((error: unknown) => {
      context.onUnexpected(error);
      answerRouterError(res, 502, 'RouterFailed', 'The router failed to relay this request.');
    });
  };
}

async function proxyRequest(context: ProxyContext, lane: Lane, req: ProxyRequest, res: ProxyResponse): Promise<void> {
  const { table, stats } = context;
  const started = performance.now();
  const clientGone = new Cancellation();
  res.once('close', () => {
    if (!res.writableFinished) clientGone.cancel();
  });

  const head = requestHead(req, table.trustedProxies, PIN_HEADER);
  const route = table.target(lane, head.pin, req);
  if (route.kind === 'refused') {
    answerRouterError(res, route.status, route.code, route.message);
    return;
  }
  const { target } = route;
  // Without Content-Length or Transfer-Encoding a request has no body (RFC 9112 §6.3): nothing to wait for.
  const body = head.hadBody ? await readRequestBody(req) : NO_BODY;
  if (body.kind === 'abandoned') return;
  const routeName = routeKey(req.method, req.url);

  const { headers } = head;
  if (body.kind === 'buffered') {
    if (head.hadBody) headers.push('content-length', String(body.data.length));
  } else if (head.contentLength !== undefined) headers.push('content-length', head.contentLength);
  const tried = new Set<LiveBackend>();
  let mirrored = lane === 'preview' || target.kind === 'only' || !context.mirror;
  let failure: { backend: LiveBackend; error: NodeJS.ErrnoException; attempts: number } | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && !clientGone.cancelled; attempt++) {
    const backend = table.choose(target, tried);
    if (!backend) break;
    tried.add(backend);
    if (!mirrored) {
      // Once per request, on its first attempt, beside it: both instances see the request at the same moment.
      mirrored = true;
      const revision = context.mirror!.wanted(req.method, head.hadBody, backend.revision);
      if (revision !== undefined) context.mirror!.send(revision, req, headers, routeName);
    }
    const outcome = await sendToBackend(table.pool, backend, {
      method: req.method,
      path: req.url,
      headers,
      body,
      source: req,
      cancel: clientGone,
    });
    if (outcome.kind === 'abandoned') {
      stats.abandoned(backend.revision);
      return;
    }
    if (outcome.kind === 'answered') {
      const relayed = await relay(outcome.response, res, clientGone);
      const tags = { route: routeName, pinned: target.kind === 'only', instanceAgeMs: instanceAgeMs(backend) };
      if (relayed === 'completed') stats.answered(backend.revision, outcome.response.statusCode, performance.now() - started, tags);
      else if (relayed === 'broke-off') stats.brokeOff(backend.revision, tags);
      else stats.abandoned(backend.revision);
      return;
    }
    failure = { backend, error: outcome.error, attempts: attempt };
    if (isRefused(outcome.error)) table.pool.markDown(backend, outcome.error.code ?? 'refused', table.config?.healthCheck.unhealthyThreshold ?? 1);
    if (!mayRetry(req.method, outcome.error, body)) break;
  }
  if (clientGone.cancelled) return;

  if (failure) {
    stats.routerError(failure.backend.revision);
    const reason = failure.error.code ?? failure.error.message;
    answerRouterError(res, 502, 'UpstreamFailed', `Revision ${failure.backend.revision} did not answer (${reason}) after ${failure.attempts} attempt(s).`);
    return;
  }
  if (table.serves(target.revision)) stats.routerError(target.revision);
  answerRouterError(res, 503, 'NoInstanceAvailable', noInstanceMessage(table, target));
}

/**
 * Relays the instance's answer; says whether it completed, the instance broke
 * off, or the client left. Chunk by chunk from the parser to the client's
 * response, pausing the instance's connection while the client is slow
 * (no stream.pipeline: it builds an AbortController per call and a
 * DOMException each time it ends, which showed in the router's profile).
 */
function relay(response: UpstreamResponse, res: ProxyResponse, clientGone: Cancellation): Promise<'completed' | 'broke-off' | 'abandoned'> {
  try {
    const headers = downstreamHeaders(response.rawHeaders);
    if (res.hasHeader('connection')) {
      // A closing listener set Connection: close already; writeHead would let one Set-Cookie overwrite another.
      for (let i = 0; i < headers.length; i += 2) res.appendHeader(headers[i]!, headers[i + 1]!);
      res.writeHead(response.statusCode, response.statusMessage);
    } else res.writeHead(response.statusCode, response.statusMessage, headers);
  } catch (error) {
    // Not relayable: let go of the instance's answer, so it stops counting as in flight.
    response.destroy();
    throw error;
  }
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: 'completed' | 'broke-off' | 'abandoned'): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    let waiting = false;
    const onDrain = (): void => {
      waiting = false;
      response.resume();
    };
    res.once('finish', () => settle('completed'));
    // The client left before its answer was written: stop reading the instance's.
    res.once('close', () => {
      if (res.writableFinished) return;
      response.destroy();
      settle('abandoned');
    });
    response.relay({
      write: (chunk) => {
        if (res.write(chunk)) return true;
        if (!waiting) {
          waiting = true;
          res.once('drain', onDrain);
        }
        return false;
      },
      end: () => res.end(),
      // The instance failed first (its connection broke mid-answer): the client's answer is cut off too.
      fail: () => {
        if (settled) return;
        res.destroy();
        settle(clientGone.cancelled ? 'abandoned' : 'broke-off');
      },
    });
  });
}

function noInstanceMessage(table: RoutingTable, target: Target): string {
  const service = table.config?.service ?? 'this service';
  if (target.kind === 'only') return `Revision ${target.revision} of ${service} has no healthy instance in rotation.`;
  return `No healthy instance of ${service} is in rotation.`;
}
