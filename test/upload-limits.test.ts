import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, HELLO_DIR, helloSpec, waitFor } from './support/cluster.ts';

/**
 * Uploads (issue 9, finding 5), against a real server whose config sets
 * `limits: { artifactSize: 1MiB, unusedUploadsAfter: 3s }`: a chunked upload
 * past the limit is refused mid-stream with 413 and nothing is kept; the
 * disk check uses the size the server measured, not the client's
 * `artifact.size`; uploads no revision uses are removed, those in use kept.
 */
describe('artifact uploads', () => {
  const cluster = new Cluster();
  const stored = () => {
    const dir = join(cluster.dataDir, 'artifacts', 'sha256');
    return existsSync(dir) ? readdirSync(dir) : [];
  };
  const receiving = () => {
    const dir = join(cluster.dataDir, 'artifacts', 'uploads');
    return existsSync(dir) ? readdirSync(dir) : [];
  };
  let hello: Buffer;

  beforeAll(async () => {
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, stringify({ limits: { artifactSize: '1MiB', unusedUploadsAfter: '3s' } }));
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    const file = join(cluster.dataDir, '..', `${cluster.dataDir.split('/').pop()}-hello.tar.gz`);
    const packed = await cluster.cli('artifact', 'pack', HELLO_DIR, '--out', file);
    expect(packed.code, packed.stderr).toBe(0);
    hello = readFileSync(file);
  });
  afterAll(() => cluster.destroy());

  /** POSTs `total` bytes chunked (a gzip header, then filler), without Content-Length; the answer's status and error code. */
  function chunkedUpload(total: number): Promise<{ status: number; code?: string; message?: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${cluster.url}/v1/artifacts`, { method: 'POST', headers: { authorization: `Bearer ${cluster.token}`, 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const error = (JSON.parse(text) as { error?: { code: string; message: string } }).error;
          resolve({ status: res.statusCode ?? 0, ...(error ? { code: error.code, message: error.message } : {}) });
        });
      });
      req.on('error', (error) => (error.message.includes('socket hang up') || (error as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(error)));
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 7);
      chunk[0] = 0x1f;
      chunk[1] = 0x8b;
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

  it('refuses a chunked upload past limits.artifactSize mid-stream with 413, and keeps nothing of it', async () => {
    const answer = await chunkedUpload(3 * 1024 * 1024);
    expect(answer).toMatchObject({ status: 413, code: 'PayloadTooLarge', message: expect.stringMatching(/larger than the 1048576-byte limit/) });
    expect(stored()).toEqual([]);
    await waitFor('the refused upload\'s temporary file to go', () => receiving().length === 0, 10_000);
  });

  it('checks the disk with the size it measured, not the size the client claims', async () => {
    const upload = await fetch(`${cluster.url}/v1/artifacts`, { method: 'POST', headers: { authorization: `Bearer ${cluster.token}` }, body: new Uint8Array(hello) });
    const { digest, size } = (await upload.json()) as { digest: string; size: number };
    expect(size).toBe(hello.length);
    const document = { apiVersion: 'cutover/v1', kind: 'Service', metadata: { name: 'claims' }, spec: { artifact: { path: HELLO_DIR }, run: { command: ['node', 'server.js'] }, ...helloSpec({ port: await freePort(), instances: 1 }) } };
    // A petabyte claimed: a server trusting it refuses for want of disk.
    const applied = await cluster.api<{ deployment?: number; error?: { message: string } }>('POST', '/v1/apply', { spec: document, artifact: { digest, size: 1e15 } });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    await waitFor('the deployment to succeed', async () => (await cluster.status('claims')).phase === 'Succeeded', 120_000);
  });

  it('removes uploads no revision uses once they are older than limits.unusedUploadsAfter, and keeps those in use', async () => {
    const inUse = stored().filter((name) => name.endsWith('.tar.gz.age'));
    expect(inUse).toHaveLength(1);
    const folder = mkdtempSync(join(tmpdir(), 'cutover-unused-'));
    writeFileSync(join(folder, 'server.js'), '// never deployed\n');
    const file = join(folder, '..', `${folder.split('/').pop()}.tar.gz`);
    const packed = await cluster.cli('artifact', 'pack', folder, '--out', file);
    expect(packed.code, packed.stderr).toBe(0);
    const upload = await fetch(`${cluster.url}/v1/artifacts`, { method: 'POST', headers: { authorization: `Bearer ${cluster.token}` }, body: new Uint8Array(readFileSync(file)) });
    rmSync(folder, { recursive: true, force: true });
    rmSync(file, { force: true });
    const { digest } = (await upload.json()) as { digest: string };
    expect(stored()).toContain(`${digest}.tar.gz.age`);
    await waitFor('the unused upload to be removed', () => !stored().includes(`${digest}.tar.gz.age`), 60_000);
    expect(stored()).toEqual(expect.arrayContaining(inUse));
    expect(cluster.log()).toMatch(/removed 1 upload\(s\) no revision uses/);
  });
});
