import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { instanceAgeMs, type LiveBackend } from './backends.ts';
import { downstreamHeaders, requestHead } from './headers.ts';
import { readRequestBody } from './request-body.ts';
import type { Mirror } from './mirror.ts';
import { MAX_ATTEMPTS, isRefused, mayRetry } from './retry.ts';
import { answerRouterError } from './router-errors.ts';
import { routeKey } from './route-key.ts';
import type { Lane, RoutingTable, Target } from './routing-table.ts';
import { PIN_HEADER } from './routing-table.ts';
import type { TrafficStats } from './stats.ts';
import { sendToBackend } from './upstream.ts';

export interface ProxyContext {
  table: RoutingTable;
  stats: TrafficStats;
  /** The dark launch: copies of a share of stable's requests to the mirror revision. */
  mirror?: Mirror;
  /** Called when a request fails in a way the router did not expect (a bug): it must not crash the router. */
  onUnexpected(error: unknown): void;
}

/** The request handler of one traffic listener. */
export function createProxyHandler(context: ProxyContext, lane: Lane): RequestListener {
  return (req, res) => {
    proxyRequest(context, lane, req, res).catch((error: unknown) => {
      context.onUnexpected(error);
      answerRouterError(res, 502, 'RouterFailed', 'The router failed to relay this request.');
    });
  };
}

async function proxyRequest(context: ProxyContext, lane: Lane, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { table, stats } = context;
  const started = performance.now();
  const clientGone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) clientGone.abort();
  });

  const head = requestHead(req, table.trustedProxies, PIN_HEADER);
  const route = table.target(lane, head.pin, req.headers);
  if (route.kind === 'refused') {
    answerRouterError(res, route.status, route.code, route.message);
    return;
  }
  const { target } = route;
  const body = await readRequestBody(req);
  if (body.kind === 'abandoned') return;

  const { headers } = head;
  if (body.kind === 'buffered') {
    if (head.hadBody) headers.push('content-length', String(body.data.length));
  } else if (head.contentLength !== undefined) headers.push('content-length', head.contentLength);
  const tried = new Set<LiveBackend>();
  let mirrored = lane === 'preview' || target.kind === 'only' || !context.mirror;
  let failure: { backend: LiveBackend; error: NodeJS.ErrnoException; attempts: number } | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && !clientGone.signal.aborted; attempt++) {
    const backend = table.choose(target, tried);
    if (!backend) break;
    tried.add(backend);
    if (!mirrored) {
      // Once per request, on its first attempt, beside it: both instances see the request at the same moment.
      mirrored = true;
      const revision = context.mirror!.wanted(req.method, head.hadBody, backend.revision);
      if (revision !== undefined) context.mirror!.send(revision, req, headers, routeKey(req.method, req.url));
    }
    const outcome = await sendToBackend(table.pool, backend, {
      method: req.method,
      path: req.url,
      headers,
      body,
      source: req,
      signal: clientGone.signal,
    });
    if (outcome.kind === 'abandoned') {
      stats.abandoned(backend.revision);
      return;
    }
    if (outcome.kind === 'answered') {
      const relayed = await relay(outcome.response, res, clientGone.signal);
      const tags = { route: routeKey(req.method, req.url), pinned: target.kind === 'only', instanceAgeMs: instanceAgeMs(backend) };
      if (relayed === 'completed') stats.answered(backend.revision, outcome.response.statusCode ?? 0, performance.now() - started, tags);
      else if (relayed === 'broke-off') stats.brokeOff(backend.revision, tags);
      else stats.abandoned(backend.revision);
      return;
    }
    failure = { backend, error: outcome.error, attempts: attempt };
    if (isRefused(outcome.error)) table.pool.markDown(backend, outcome.error.code ?? 'refused', table.config?.healthCheck.unhealthyThreshold ?? 1);
    if (!mayRetry(req.method, outcome.error, body)) break;
  }
  if (clientGone.signal.aborted) return;

  if (failure) {
    stats.routerError(failure.backend.revision);
    const reason = failure.error.code ?? failure.error.message;
    answerRouterError(res, 502, 'UpstreamFailed', `Revision ${failure.backend.revision} did not answer (${reason}) after ${failure.attempts} attempt(s).`);
    return;
  }
  if (table.serves(target.revision)) stats.routerError(target.revision);
  answerRouterError(res, 503, 'NoInstanceAvailable', noInstanceMessage(table, target));
}

/** Relays the instance's answer; says whether it completed, the instance broke off, or the client left. */
function relay(response: IncomingMessage, res: ServerResponse, clientGone: AbortSignal): Promise<'completed' | 'broke-off' | 'abandoned'> {
  let brokeOff = false;
  // Registered before the pipeline's own listeners, so it sees which side failed first.
  response.once('error', () => {
    if (!clientGone.aborted) brokeOff = true;
  });
  try {
    const headers = downstreamHeaders(response);
    if (res.hasHeader('connection')) {
      // A closing listener set Connection: close already; writeHead would let one Set-Cookie overwrite another.
      for (let i = 0; i < headers.length; i += 2) res.appendHeader(headers[i]!, headers[i + 1]!);
      res.writeHead(response.statusCode ?? 502, response.statusMessage);
    } else res.writeHead(response.statusCode ?? 502, response.statusMessage, headers);
  } catch (error) {
    // Not relayable: let go of the instance's answer, so it stops counting as in flight.
    response.destroy();
    throw error;
  }
  return new Promise((resolve) => {
    pipeline(response, res, (error) => resolve(!error ? 'completed' : brokeOff ? 'broke-off' : 'abandoned'));
  });
}

function noInstanceMessage(table: RoutingTable, target: Target): string {
  const service = table.config?.service ?? 'this service';
  if (target.kind === 'only') return `Revision ${target.revision} of ${service} has no healthy instance in rotation.`;
  return `No healthy instance of ${service} is in rotation.`;
}
