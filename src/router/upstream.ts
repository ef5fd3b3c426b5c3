import type { Socket } from 'node:net';
import type { BackendPool, LiveBackend } from './backends.ts';
import type { ProxyRequest } from './exchange.ts';
import type { RawHeaders } from './headers.ts';
import { requestHeadText, type UpstreamConnection, type UpstreamResponse } from './http1-client.ts';
import type { RequestBody } from './request-body.ts';

/** How one attempt to reach an instance ended, up to its response head. */
export type Attempt =
  /** The instance answered; its body is still to be relayed. */
  | { kind: 'answered'; response: UpstreamResponse }
  /** No response came: the connection failed or broke first. */
  | { kind: 'failed'; error: NodeJS.ErrnoException }
  /** The client went away; the upstream request was aborted with it. */
  | { kind: 'abandoned' };

export interface AttemptRequest {
  method: string | undefined;
  path: string | undefined;
  headers: RawHeaders;
  body: Exclude<RequestBody, { kind: 'abandoned' }>;
  /** The client's request, for the part of a streaming body not yet read. */
  source: ProxyRequest;
  /** Cancelled when the client goes away (or a mirror's time is up). */
  cancel: Cancellation;
}

/**
 * Cuts off the attempt in progress when whoever waits for it leaves. One per
 * request: cheaper than an AbortController (no event target, no listener on
 * every upstream request, no DOMException built when it ends), which showed
 * in the router's profiles.
 */
export class Cancellation {
  cancelled = false;
  /** The connection of the attempt in progress, until its exchange is over. */
  current: UpstreamConnection | undefined = undefined;

  cancel(reason = 'the client went away'): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.current?.destroy(Object.assign(new Error(reason), { code: 'ABORT_ERR', name: 'AbortError' }));
  }
}

/**
 * Sends the request to one instance. The instance's in-flight count covers
 * the whole exchange: up from the moment the request is sent, down exactly
 * once, when its response has ended or the exchange failed. Draining relies
 * on it being exact.
 */
export function sendToBackend(pool: BackendPool, backend: LiveBackend, attempt: AttemptRequest): Promise<Attempt> {
  const { cancel, body } = attempt;
  // Gone before anything was sent.
  if (cancel.cancelled) return Promise.resolve({ kind: 'abandoned' });
  const method = attempt.method ?? 'GET';
  let head: string;
  try {
    const headers = body.kind === 'streaming' && !hasContentLength(attempt.headers) ? [...attempt.headers, 'transfer-encoding', 'chunked'] : attempt.headers;
    head = requestHeadText(method, attempt.path ?? '/', headers);
  } catch (error) {
    // A header that cannot be sent: nothing was sent.
    return Promise.resolve({ kind: 'failed', error: error as NodeJS.ErrnoException });
  }
  return new Promise((resolve) => {
    const connection = backend.connections.take();
    cancel.current = connection;
    pool.begin(backend);
    connection.send(
      {
        head: method === 'HEAD',
        answered: (response) => resolve({ kind: 'answered', response }),
        failed: (error) => resolve(cancel.cancelled ? { kind: 'abandoned' } : { kind: 'failed', error }),
        done: () => {
          if (cancel.current === connection) cancel.current = undefined;
          pool.end(backend);
        },
      },
      head,
      body.kind === 'buffered' ? body.data : undefined,
    );
    if (body.kind === 'streaming') streamBody(connection.socket, attempt.source, body.head, head.includes('transfer-encoding: chunked\r\n'));
  });
}

function hasContentLength(headers: RawHeaders): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'content-length') return true;
  return false;
}

/**
 * A body too big to hold: the chunks read so far, then the rest of the
 * client's request as it comes, at the pace the instance reads it. Framed
 * as chunks when the client gave no length.
 */
function streamBody(socket: Socket, source: ProxyRequest, first: readonly Buffer[], chunked: boolean): void {
  const send = (chunk: Buffer): boolean => {
    if (!chunked) return socket.write(chunk);
    if (chunk.length === 0) return true;
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    const more = socket.write('\r\n', 'latin1');
    socket.uncork();
    return more;
  };
  for (const chunk of first) send(chunk);
  const onDrain = (): void => {
    source.resume();
  };
  socket.on('drain', onDrain);
  source.on('data', (chunk: Buffer) => {
    if (!send(chunk)) source.pause();
  });
  source.once('end', () => {
    socket.off('drain', onDrain);
    if (chunked && !socket.destroyed) socket.write('0\r\n\r\n', 'latin1');
  });
  source.resume();
}
