import { request } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { BackendPool, LiveBackend } from './backends.ts';
import type { RawHeaders } from './headers.ts';
import type { RequestBody } from './request-body.ts';

/** How one attempt to reach an instance ended, up to its response head. */
export type Attempt =
  /** The instance answered; its body is still to be relayed. */
  | { kind: 'answered'; response: IncomingMessage }
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
  source: IncomingMessage;
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
  /** The upstream request of the attempt in progress, until it closes. */
  current: ClientRequest | undefined = undefined;

  cancel(reason = 'the client went away'): void {
    if (this.cancelled) return;
    this.cancelled = true;
    // With an error, so an attempt still waiting for a socket fails too (destroy() alone only closes it).
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
  const { cancel } = attempt;
  // Gone before anything was sent.
  if (cancel.cancelled) return Promise.resolve({ kind: 'abandoned' });
  return new Promise((resolve) => {
    let upstream: ClientRequest;
    try {
      upstream = request({
        host: '127.0.0.1',
        port: backend.port,
        method: attempt.method,
        path: attempt.path,
        headers: attempt.headers,
        agent: backend.agent,
      });
    } catch (error) {
      // Node refused to build the request (a header it will not send): nothing was sent.
      resolve({ kind: 'failed', error: error as NodeJS.ErrnoException });
      return;
    }
    cancel.current = upstream;
    pool.begin(backend);
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      pool.end(backend);
    };
    upstream.once('close', () => {
      if (cancel.current === upstream) cancel.current = undefined;
      release();
    });
    upstream.once('response', (response) => {
      response.once('end', release);
      response.once('close', release);
      resolve({ kind: 'answered', response });
    });
    // Also catches failures after the response head; by then the promise is
    // settled and relaying the body deals with them.
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      release();
      resolve(cancel.cancelled ? { kind: 'abandoned' } : { kind: 'failed', error });
    });
    const { body } = attempt;
    if (body.kind === 'buffered') {
      if (body.data.length > 0) upstream.end(body.data);
      else upstream.end();
    } else {
      for (const chunk of body.head) upstream.write(chunk);
      attempt.source.pipe(upstream);
    }
  });
}
