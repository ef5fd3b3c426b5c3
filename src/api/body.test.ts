import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { jsonBody, limitBodies, MAX_JSON_BYTES } from './body.ts';
import { toErrorResponse } from './errors.ts';

/** The API's body handling on a bare app: the bound first, then the parser, errors mapped as the API maps them. */
function app(): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    return c.json(body, status);
  });
  app.use('*', limitBodies());
  app.post('/v1/things', async (c) => c.json({ got: await jsonBody(c) }));
  app.post('/v1/artifacts', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
  return app;
}

async function post(path: string, body: BodyInit, headers: Record<string, string> = {}): Promise<{ status: number; body: { got?: unknown; bytes?: number; error?: { code: string; message: string } } }> {
  const response = await app().request(path, { method: 'POST', body, headers, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
  return { status: response.status, body: (await response.json()) as never };
}

function chunks(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(64 * 1024, total - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(32));
    },
  });
}

describe('request bodies', () => {
  it('reads a JSON object, and an empty body as {}', async () => {
    expect(await post('/v1/things', '{"name":"alpha"}')).toEqual({ status: 200, body: { got: { name: 'alpha' } } });
    expect(await post('/v1/things', '')).toEqual({ status: 200, body: { got: {} } });
  });

  it.each([
    ['[1,2]', 'the request body must be a JSON object, not an array'],
    ['"text"', 'the request body must be a JSON object, not a string'],
    ['null', 'the request body must be a JSON object, not null'],
    ['{"unclosed": ', 'the request body must be a JSON object; it is not valid JSON'],
  ])('refuses %s with a 400 InvalidRequest naming the body', async (text, message) => {
    const answer = await post('/v1/things', text);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'InvalidRequest', message, problems: [{ path: '(body)', message: 'expected a JSON object' }] });
  });

  it('refuses a body over the bound by its Content-Length, before reading it', async () => {
    const answer = await post('/v1/things', ' '.repeat(MAX_JSON_BYTES + 1), { 'content-length': String(MAX_JSON_BYTES + 1) });
    expect(answer.status).toBe(413);
    expect(answer.body.error?.message).toMatch(/larger than the 1048576-byte limit/);
  });

  it('refuses a chunked body over the bound as it arrives, with no Content-Length to trust', async () => {
    const answer = await post('/v1/things', chunks(MAX_JSON_BYTES + 1), { 'transfer-encoding': 'chunked' });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'PayloadTooLarge', message: expect.stringMatching(/larger than the 1048576-byte limit of this route/) });
  });

  it('lets an artifact upload be larger than a JSON body', async () => {
    const answer = await post('/v1/artifacts', chunks(3 * MAX_JSON_BYTES), { 'transfer-encoding': 'chunked' });
    expect(answer).toEqual({ status: 200, body: { bytes: 3 * MAX_JSON_BYTES } });
  });
});
