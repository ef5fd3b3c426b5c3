import { createPrivateKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../src/security/signatures/index.ts';
import { Cluster, HELLO_DIR } from './support/cluster.ts';

/** The server's resident memory in bytes, from /proc. */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

/** POSTs `total` bytes (a gzip header, then filler) chunked; the answer's status and text. */
function sendChunked(url: string, headers: Record<string, string>, total: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(256 * 1024, 3);
    chunk[0] = 0x1f;
    chunk[1] = 0x8b;
    let sent = 0;
    const more = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

/**
 * Limits before work (issue 9, finding 4), the part a registered key can
 * reach: a signed request's signature is verified from its headers, and its
 * body is hashed against the signed Content-Digest as it streams, never
 * held. A 128 MiB signed upload whose body does not match its digest is
 * refused with 401, nothing of it is kept, and the server's memory does not
 * grow by its size (it read the whole body into memory before); so is a
 * 128 MiB upload with a token (finding 5: the upload route held it too).
 */
describe('signed request bodies are checked as they stream', () => {
  const cluster = new Cluster();
  let key: Parameters<typeof signRequest>[1];

  beforeAll(async () => {
    await cluster.start();
    const keyFile = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-signer.pem`);
    const added = await cluster.cli('signing-key', 'add', 'admin', '--out', keyFile, '--keyid', 'uploader');
    expect(added.code, added.stderr).toBe(0);
    key = { keyid: 'uploader', alg: 'ed25519', secret: createPrivateKey(readFileSync(keyFile, 'utf8')) };
  });
  afterAll(() => cluster.destroy());

  const stored = () => {
    const dir = join(cluster.dataDir, 'artifacts', 'sha256');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it('stores a signed upload whose body matches its Content-Digest', async () => {
    const packed = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-hello.tar.gz`);
    expect((await cluster.cli('artifact', 'pack', HELLO_DIR, '--out', packed)).code).toBe(0);
    const body = new Uint8Array(readFileSync(packed));
    const url = `${cluster.url}/v1/artifacts`;
    const response = await fetch(url, { method: 'POST', headers: { ...signRequest({ method: 'POST', url, headers: {}, body }, key) }, body });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(((await response.json()) as { size: number }).size).toBe(body.length);
  });

  it('refuses a 128 MiB signed upload that does not match its digest with 401, keeps nothing, and does not hold it in memory', async () => {
    const before = stored();
    const url = `${cluster.url}/v1/artifacts`;
    // Signed for one small body; another, large one is sent.
    const headers = signRequest({ method: 'POST', url, headers: {}, body: new Uint8Array([0x1f, 0x8b, 1]) }, key);
    const pid = cluster.server!.pid!;
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
    const answer = await sendChunked(url, { ...headers }, 128 * 1024 * 1024).finally(() => clearInterval(sampler));
    expect(answer.status).toBe(401);
    expect(answer.text).toMatch(/Content-Digest sha-256 does not match the body/);
    expect(stored()).toEqual(before);
    const grewMiB = (peak - baseline) / 1024 / 1024;
    console.log(`server RSS grew by ${grewMiB.toFixed(1)} MiB during a 128 MiB signed upload`);
    expect(grewMiB).toBeLessThan(96);
  });

  it('stores a 128 MiB upload streamed to disk, without holding it in memory', async () => {
    const pid = cluster.server!.pid!;
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
    const answer = await sendChunked(`${cluster.url}/v1/artifacts`, { authorization: `Bearer ${cluster.token}` }, 128 * 1024 * 1024).finally(() => clearInterval(sampler));
    expect(answer.status, answer.text).toBe(201);
    expect((JSON.parse(answer.text) as { size: number }).size).toBe(128 * 1024 * 1024);
    const grewMiB = (peak - baseline) / 1024 / 1024;
    console.log(`server RSS grew by ${grewMiB.toFixed(1)} MiB while storing a 128 MiB upload`);
    expect(grewMiB).toBeLessThan(96);
  });
});
