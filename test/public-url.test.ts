import { createPrivateKey } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { signRequest } from '../src/security/signatures/index.ts';
import { Cluster, runCli } from './support/cluster.ts';

/**
 * A configured public URL that `@authority` must match (issue 9, finding
 * 11): without it, a signature's `@target-uri` was checked against whatever
 * Host the client sent, so a request signed for another server (captured
 * there, or made for a host the key was meant for) was accepted here.
 */
describe('security.publicUrl', () => {
  const cluster = new Cluster();
  const keyFile = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-ops.pem`);
  let key: Parameters<typeof signRequest>[1];

  /** GET `path` on the server, with the Host header `host`, signed for `signedUrl`. */
  function send(path: string, host: string, signedUrl: string): Promise<{ status: number; text: string }> {
    const headers = signRequest({ method: 'GET', url: signedUrl, headers: {} }, key);
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: cluster.port, path, headers: { ...headers, host } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  beforeAll(async () => {
    cluster.port = await freePort();
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, stringify({ security: { publicUrl: `http://127.0.0.1:${cluster.port}` } }));
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    const added = await cluster.cli('signing-key', 'add', 'admin', '--out', keyFile, '--keyid', 'ops-laptop');
    expect(added.code, added.stderr).toBe(0);
    key = { keyid: 'ops-laptop', alg: 'ed25519', secret: createPrivateKey(readFileSync(keyFile, 'utf8')) };
  });
  afterAll(() => cluster.destroy());

  it('refuses a request signed for another authority, even with a Host header that matches the signature, saying which URL to sign for', async () => {
    const forged = await send('/v1/users', 'staging.example:8443', 'http://staging.example:8443/v1/users');
    expect(forged.status).toBe(401);
    expect(forged.text).toContain(`this server's public URL is http://127.0.0.1:${cluster.port} (security.publicUrl)`);
    expect(forged.text).toContain('this request was sent to staging.example:8443');
    expect(forged.text).toContain(`CUTOVER_SERVER=http://127.0.0.1:${cluster.port}`);
  });

  it('accepts signatures made for the public URL, also when a proxy rewrote the Host header', async () => {
    expect((await send('/v1/users', `127.0.0.1:${cluster.port}`, `${cluster.url}/v1/users`)).status).toBe(200);
    expect((await send('/v1/users', 'internal-backend:9000', `${cluster.url}/v1/users`)).status).toBe(200);
    const cli = await runCli(['user', 'list'], { CUTOVER_SERVER: cluster.url, CUTOVER_KEY_ID: 'ops-laptop', CUTOVER_KEY_FILE: keyFile, CUTOVER_TOKEN: '', CUTOVER_DATA_DIR: '/nonexistent' });
    expect(cli.code, cli.stderr).toBe(0);
  });
});
