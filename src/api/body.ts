import type { Context, MiddlewareHandler } from 'hono';
import { DEFAULT_LIMITS } from '../config/limits.ts';
import { CutoverError, ErrorCode } from '../core/errors.ts';

/** A spec, a lock message, a user: far below this. */
export const MAX_JSON_BYTES = 1024 * 1024;
/** Artifact uploads (tar.gz bytes) larger than this are refused, unless the config's `limits.artifactSize` says otherwise. */
export const MAX_ARTIFACT_BYTES = DEFAULT_LIMITS.artifactBytes;

/** The one route whose body is not JSON. */
const UPLOAD = 'POST /v1/artifacts';

/**
 * Bounds every request body before anything reads it (authentication reads
 * the body of a signed request to check its digest): artifact uploads to
 * `artifactBytes` (limits.artifactSize), everything else to MAX_JSON_BYTES.
 * Chunked bodies are counted as they arrive, so a missing Content-Length does
 * not get around it: the reader fails with 413 at the first byte over.
 */
export function limitBodies(artifactBytes = MAX_ARTIFACT_BYTES): MiddlewareHandler {
  const limits = { upload: limiter(artifactBytes), json: limiter(MAX_JSON_BYTES) };
  return (c, next) => (`${c.req.method} ${c.req.path}` === UPLOAD ? limits.upload : limits.json)(c, next);
}

/**
 * Refuses a Content-Length over the bound at once; a chunked body is counted
 * as whoever reads it reads it (never read here: authentication refuses a
 * bad signature from its headers before anything reads the body).
 */
function limiter(maxSize: number): MiddlewareHandler {
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && Number(length) > maxSize) throw tooLarge(maxSize);
    const body = c.req.raw.body;
    if (body && length === undefined) {
      let seen = 0;
      const counted = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            seen += chunk.byteLength;
            if (seen > maxSize) controller.error(tooLarge(maxSize));
            else controller.enqueue(chunk);
          },
        }),
      );
      c.req.raw = new Request(c.req.raw, { body: counted, duplex: 'half' } as RequestInit);
    }
    await next();
  };
}

function tooLarge(maxSize: number): CutoverError {
  return new CutoverError(ErrorCode.PayloadTooLarge, `the request body is larger than the ${maxSize}-byte limit of this route; send less`, { context: { limitBytes: maxSize } });
}

/**
 * The body as a JSON object; an empty body is `{}`. Anything else (not
 * JSON, an array, a string, over MAX_JSON_BYTES) is an InvalidRequest naming
 * the body.
 */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) throw invalidBody(`the request body is larger than ${MAX_JSON_BYTES} bytes; send less`);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidBody('the request body must be a JSON object; it is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidBody(`the request body must be a JSON object, not ${Array.isArray(body) ? 'an array' : body === null ? 'null' : `a ${typeof body}`}`);
  }
  return body as Record<string, unknown>;
}

function invalidBody(message: string): CutoverError {
  return new CutoverError(ErrorCode.InvalidRequest, message, { problems: [{ path: '(body)', message: 'expected a JSON object' }] });
}
