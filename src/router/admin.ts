import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { CutoverError, ErrorCode, isCutoverError, messageOf } from '../core/errors.ts';
import { processMetricsText, routerMetricsText } from '../monitoring/metrics/data-plane.ts';
import { validateRouterConfig } from './config.ts';
import type { PushResult } from './data-plane.ts';
import { listen } from './listen.ts';
import type { RouterLogger } from './log.ts';
import { AdminPath, MIN_TOKEN_LENGTH, type AdminErrorBody, type HealthzAnswer, type PushAnswer, type RequestSamples, type RouterConfig, type RouterStats } from './wire.ts';

/** A config with hundreds of backends is still far below this. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** What the admin API acts on. */
export interface AdminTarget {
  readonly config: RouterConfig | undefined;
  push(config: RouterConfig): Promise<PushResult>;
  stats(): RouterStats | Promise<RouterStats>;
  samples(after: number): RequestSamples | Promise<RequestSamples>;
  /** The worker processes serving traffic, when the router runs several (healthz shows them). */
  workerPids?(): number[];
  /** True while its workers start: /healthz answers 503 until they serve. */
  isStarting?(): boolean;
}

/**
 * The admin API on 127.0.0.1: `GET /healthz` is open; `PUT /config`,
 * `GET /config` and `GET /stats` need `Authorization: Bearer <token>`.
 * `GET /metrics` also takes `metricsToken`, which reads metrics and nothing
 * else: the credential Prometheus holds cannot reconfigure a router.
 * `PUT /token` replaces the admin token (in memory): how the control plane
 * moves a router that outlived it off a token other routers shared.
 */
export function startAdmin(port: number, token: string, target: AdminTarget, log: RouterLogger, metricsToken?: string): Promise<Server> {
  const tokens: Tokens = { admin: digest(token), metrics: metricsToken ? digest(metricsToken) : undefined };
  return listen(
    port,
    (req, res) => {
      handle(req, res, tokens, target).catch((error: unknown) => {
        const failure = isCutoverError(error) ? error : new CutoverError(ErrorCode.Internal, messageOf(error));
        log.error({ event: 'admin-failure', code: failure.code, error: failure.message }, 'admin request failed');
        answerError(res, failure.code === ErrorCode.RouterUnavailable ? 503 : 500, failure);
      });
    },
    'router admin',
  );
}

interface Tokens {
  admin: Buffer;
  metrics: Buffer | undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, tokens: Tokens, target: AdminTarget): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://router').pathname;
  const route = `${req.method ?? ''} ${path}`;
  if (route === `GET ${AdminPath.healthz}`) {
    if (target.isStarting?.()) {
      answerError(res, 503, new CutoverError(ErrorCode.RouterUnavailable, 'The router is starting: its workers do not serve yet.', { retryable: true }));
      return;
    }
    const workers = target.workerPids?.();
    answer(res, 200, { ok: true, pid: process.pid, generation: target.config?.generation ?? null, ...(workers ? { workers } : {}) } satisfies HealthzAnswer);
    return;
  }
  if (route === `GET ${AdminPath.metrics}` && tokens.metrics && authorized(req.headers.authorization, tokens.metrics)) {
    await answerMetrics(res, target);
    return;
  }
  if (!authorized(req.headers.authorization, tokens.admin)) {
    answerError(res, 401, new CutoverError(ErrorCode.Unauthorized, 'Missing or wrong bearer token: send "Authorization: Bearer <token>" with the token from the router\'s token file.'));
    return;
  }
  switch (route) {
    case `PUT ${AdminPath.config}`:
      await putConfig(req, res, target);
      return;
    case `PUT ${AdminPath.token}`:
      await putToken(req, res, tokens);
      return;
    case `GET ${AdminPath.config}`:
      if (target.config) answer(res, 200, target.config);
      else answerError(res, 404, new CutoverError(ErrorCode.NotFound, 'The router has no config yet; push one with PUT /config.'));
      return;
    case `GET ${AdminPath.stats}`:
      answer(res, 200, await target.stats());
      return;
    case `GET ${AdminPath.metrics}`:
      await answerMetrics(res, target);
      return;
    case `GET ${AdminPath.samples}`: {
      const after = Number(new URL(req.url ?? '/', 'http://router').searchParams.get('after') ?? 0);
      answer(res, 200, await target.samples(Number.isInteger(after) && after >= 0 ? after : 0));
      return;
    }
    default: {
      const known = (Object.values(AdminPath) as string[]).includes(path);
      answerError(res, known ? 405 : 404, new CutoverError(known ? ErrorCode.InvalidRequest : ErrorCode.NotFound, `No route ${route}; the admin API has GET /healthz, PUT /config, GET /config, GET /stats, GET /metrics (Prometheus text), GET /samples?after=SEQ and PUT /token.`));
    }
  }
}

async function answerMetrics(res: ServerResponse, target: AdminTarget): Promise<void> {
  const stats = await target.stats();
  const versions = target.config?.versions;
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(routerMetricsText(stats, { service: stats.service, environment: stats.environment, ...(versions ? { versions } : {}) }) + processMetricsText());
}

async function putConfig(req: IncomingMessage, res: ServerResponse, target: AdminTarget): Promise<void> {
  const text = await readBody(req);
  if (text === undefined) {
    res.setHeader('connection', 'close');
    answerError(res, 413, new CutoverError(ErrorCode.InvalidRequest, `Config is larger than ${MAX_CONFIG_BYTES} bytes.`));
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    answerError(res, 400, new CutoverError(ErrorCode.InvalidRequest, `Config is not valid JSON: ${messageOf(error)}`));
    return;
  }
  let config: RouterConfig;
  try {
    config = validateRouterConfig(parsed);
  } catch (error) {
    if (!isCutoverError(error)) throw error;
    answerError(res, 400, error);
    return;
  }
  const result = await target.push(config);
  if (result.kind === 'stale') {
    const message = `Config generation ${result.received} is older than the router's generation ${result.current}, so it was ignored; push generation ${result.current} or newer.`;
    const context = { service: config.service, currentGeneration: result.current, receivedGeneration: result.received };
    answerError(res, 409, new CutoverError(ErrorCode.Conflict, message, { context }));
    return;
  }
  if (result.kind === 'other-service') {
    const message = `This router serves ${result.service}, not ${config.service}; the config was sent to the wrong admin port.`;
    answerError(res, 409, new CutoverError(ErrorCode.Conflict, message, { context: { service: result.service, receivedService: config.service } }));
    return;
  }
  answer(res, 200, { generation: result.generation } satisfies PushAnswer);
}

async function putToken(req: IncomingMessage, res: ServerResponse, tokens: Tokens): Promise<void> {
  const text = await readBody(req);
  let token: unknown;
  try {
    token = (JSON.parse(text ?? '') as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    answerError(res, 400, new CutoverError(ErrorCode.InvalidRequest, `Send {"token": "..."} with a token of at least ${MIN_TOKEN_LENGTH} characters and no spaces.`));
    return;
  }
  tokens.admin = digest(token);
  answer(res, 200, { ok: true });
}

/** The body as text; undefined when it is larger than `maxBytes` (the rest is read and dropped). Shared with the router host's admin API. */
export function readBody(req: IncomingMessage, maxBytes = MAX_CONFIG_BYTES): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= maxBytes ? Buffer.concat(chunks).toString('utf8') : undefined));
    req.on('error', reject);
  });
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
}

export function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function answerError(res: ServerResponse, status: number, error: CutoverError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  answer(res, status, { error: error.toJSON() } satisfies AdminErrorBody);
}
