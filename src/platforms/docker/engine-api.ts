import { Agent, request, type IncomingMessage } from 'node:http';
import { CutoverError, ErrorCode, messageOf } from '../../core/errors.ts';

/**
 * The few Docker Engine API calls the docker platform makes, over the
 * engine's unix socket with node:http. Chosen over the docker CLI: no
 * process per call (health and stop run often), no dependence on the CLI's
 * version matching the engine's (Debian's engine is 20.10, API 1.41; a newer
 * CLI may be installed beside it), and structured answers instead of parsed
 * text. API 1.41 is asked for explicitly: every engine since 20.10 serves it.
 */
export const API_VERSION = 'v1.41';

/** The engine's socket: `DOCKER_HOST` (unix:// only) or the default. */
export function engineSocket(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  if (!host.startsWith('unix://')) {
    throw new CutoverError(ErrorCode.InvalidConfig, `DOCKER_HOST is ${host}: the docker platform speaks to a local engine over its unix socket only; set DOCKER_HOST=unix:///path/to/docker.sock`);
  }
  return host.slice('unix://'.length);
}

/** An answer of the engine that is not a success; `status` 404 means the object does not exist. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface EngineRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** A raw body (an image's root filesystem as a tar stream). */
  stream?: { pipe(destination: NodeJS.WritableStream): unknown };
  timeoutMs?: number;
  /** A long-lived stream (logs that follow) that must not keep the process alive: the server exits on SIGTERM without closing it. */
  unref?: boolean;
}

export class DockerEngine {
  /**
   * Its own keep-alive pool, without the socket timeout of Node's global
   * agent (5 s since Node 19): a call the engine takes longer to answer
   * (creating a container on the vfs driver under load) timed out there
   * with "no answer within undefined ms". A call's own `timeoutMs` still applies.
   */
  private readonly agent = new Agent({ keepAlive: true });

  constructor(readonly socket: string) {}

  /** Sends a request and returns the response unread (for streams: logs). Errors are EngineError with the engine's message. */
  async open(req: EngineRequest): Promise<IncomingMessage> {
    const query = Object.entries(req.query ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
      .join('&');
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const sent = request(
        {
          socketPath: this.socket,
          method: req.method ?? 'GET',
          path: `/${API_VERSION}${req.path}${query ? `?${query}` : ''}`,
          headers: body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : req.stream ? { 'content-type': 'application/x-tar' } : {},
          ...(req.timeoutMs !== undefined ? { timeout: req.timeoutMs } : {}),
          // A stream's socket never goes back to the shared keep-alive pool: it is unref'd, and the engine
          // may close it as the stream ends, so the next call would be sent on a dead socket (ECONNRESET).
          agent: req.unref ? false : this.agent,
        },
        resolve,
      );
      if (req.unref) sent.once('socket', (socket) => socket.unref());
      sent.once('error', (error) => reject(new EngineError(0, `the Docker engine at ${this.socket} does not answer: ${messageOf(error)}`)));
      sent.once('timeout', () => sent.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
      if (req.stream) req.stream.pipe(sent);
      else sent.end(body);
    });
    if (response.statusCode !== undefined && response.statusCode >= 400) {
      const text = await readAll(response);
      let message = text.trim();
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON: the text as it came
      }
      throw new EngineError(response.statusCode, message);
    }
    return response;
  }

  /** A request whose answer is JSON (or empty). */
  async call<T = unknown>(req: EngineRequest): Promise<T> {
    const text = await readAll(await this.open(req));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The engine's version, or the engine's own error when it does not answer. */
  async version(): Promise<{ Version: string; ApiVersion: string }> {
    return await this.call({ path: '/version', timeoutMs: 10_000 });
  }
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether an engine error means the object is already gone (or going). */
export function isGone(error: unknown): boolean {
  return error instanceof EngineError && (error.status === 404 || (error.status === 409 && /removal .*in progress/i.test(error.message)));
}
