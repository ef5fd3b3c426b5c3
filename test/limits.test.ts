import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './support/cluster.ts';

/**
 * Limits before work (issue 9, finding 4): a request with a made-up
 * signature is refused from its headers, before the server reads a byte of
 * its body. The body here never ends: a server that reads it first never
 * answers (and, before the fix, grew by every byte sent to the upload route).
 */
describe('an unauthenticated request cannot make the server read its body', () => {
  const cluster = new Cluster();
  beforeAll(() => cluster.start());
  afterAll(() => cluster.destroy());

  /** POSTs a chunked body that never ends; resolves with the answer's status and text, if any comes. */
  function endlessPost(path: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${cluster.url}${path}`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
          req.destroy();
        });
      });
      req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
      req.write(Buffer.alloc(64 * 1024, 1));
      // and nothing more: the body stays open until the answer comes
      setTimeout(() => {
        req.destroy();
        reject(new Error(`no answer to POST ${path} while its body was still open: the server waits for the body before checking the signature`));
      }, 30_000).unref();
    });
  }

  const forged = (keyid: string, created: number) => ({
    'signature-input': `sig1=("@method" "@target-uri" "content-digest");created=${created};keyid="${keyid}";alg="ed25519";nonce="abcdefghijkl"`,
    signature: `sig1=:${Buffer.alloc(64).toString('base64')}:`,
    'content-digest': `sha-256=:${Buffer.alloc(32).toString('base64')}:`,
  });

  it('refuses a signature by an unknown key with 401 before reading the upload', async () => {
    const answer = await endlessPost('/v1/artifacts', forged('nobody-knows-this-key', Math.floor(Date.now() / 1000)));
    expect(answer.status).toBe(401);
    expect(answer.text).toMatch(/unknown key nobody-knows-this-key/);
  });

  it('refuses a stale signature with 401 before reading the body', async () => {
    const answer = await endlessPost('/v1/apply', forged('nobody-knows-this-key', Math.floor(Date.now() / 1000) - 3600));
    expect(answer.status).toBe(401);
    expect(answer.text).toMatch(/unknown key|outside the 300s window/);
  });
});
