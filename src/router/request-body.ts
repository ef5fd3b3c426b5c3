import type { ProxyRequest } from './exchange.ts';

/** Bodies up to this size are held in memory so that a failed attempt can be sent again. */
export const MAX_BUFFERED_BODY_BYTES = 8 * 1024 * 1024;

export type RequestBody =
  /** The whole body: it can be sent to as many instances as needed. */
  | { kind: 'buffered'; data: Buffer }
  /** Too big to hold: the first chunks, then the rest streams from the (paused) request. One attempt only. */
  | { kind: 'streaming'; head: Buffer[] }
  /** The client went away before sending it all. */
  | { kind: 'abandoned' };

/** Reads the request body, holding at most `limit` bytes. */
export function readRequestBody(req: ProxyRequest, limit = MAX_BUFFERED_BODY_BYTES): Promise<RequestBody> {
  if (req.readableEnded) return Promise.resolve({ kind: 'buffered', data: Buffer.alloc(0) });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (body: RequestBody): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      resolve(body);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        // Paused before the listener goes, or the stream would flow on and lose data.
        req.pause();
        settle({ kind: 'streaming', head: chunks });
      }
    };
    const onEnd = (): void => settle({ kind: 'buffered', data: Buffer.concat(chunks, size) });
    const onGone = (): void => settle({ kind: 'abandoned' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}
