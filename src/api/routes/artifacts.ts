import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Hono } from 'hono';
import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { noteAudit } from '../audit-trail.ts';
import type { AuthEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';

/**
 * `/v1/artifacts`: uploads (their size is bounded in body.ts, as they
 * stream: limits.artifactSize), the server's age recipient, exports.
 */
export function artifactRoutes({ ctx, guard }: ApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post('/', guard, async (c) => {
    const body = c.req.raw.body;
    if (!body) throw new CutoverError(ErrorCode.InvalidRequest, 'the artifact upload was empty; send the tar.gz bytes as the body');
    // A tar.gz, or one encrypted with `age -r $(cutover artifact recipient)`: the store streams it to disk, then decrypts, hashes and checks it.
    // A body something read already (it was kept) is handed over from memory.
    const source = c.req.raw.bodyUsed ? Readable.from([Buffer.from(await c.req.arrayBuffer())]) : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    const stored = await ctx.artifacts.putStream(source);
    noteAudit(c, { target: `artifact/${stored.digest}`, details: { digest: stored.digest, size: stored.size } });
    return c.json(stored, 201);
  });
  app.get('/recipient', guard, (c) => c.json({ recipient: ctx.artifacts.recipient() }));
  app.get('/:digest/export', guard, async (c) => {
    const recipient = c.req.query('recipient') || undefined;
    // Noted before the export runs, so a refused or failed export is recorded with what was asked for.
    noteAudit(c, { target: `artifact/${c.req.param('digest')}`, details: { digest: c.req.param('digest'), encryptedTo: recipient ?? null } });
    const data = await ctx.artifacts.export(c.req.param('digest'), recipient);
    return c.body(Buffer.from(data), 200, { 'content-type': 'application/octet-stream' });
  });
  return app;
}
