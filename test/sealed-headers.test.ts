import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

const HOOK_SECRET = 'Bearer hook-secret-7f3a9c1e5b';
const PROVIDER_SECRET = 'provider-key-2d8e6f0a4c';

/**
 * Secrets at rest, the rest of finding 10 (issue 9): credential headers of
 * a spec's hooks and analysis providers (`authorization`, `x-api-key`…) are
 * sealed with the key ring in the store, not only shown as `***`: a copy
 * of the database holds neither value, the hook and the provider still
 * send them, and a key rotation (then retiring the old key) keeps them
 * readable.
 */
describe('credential headers of hooks and providers, sealed at rest', () => {
  const cluster = new Cluster();
  const received: { path: string; headers: IncomingHttpHeaders }[] = [];
  let stub: Server;
  let port = 0;

  const rawStore = () => Buffer.concat(['cutover.db', 'cutover.db-wal'].map((name) => join(cluster.dataDir, name)).filter((file) => existsSync(file)).map((file) => readFileSync(file)));
  const spec = (version: string, url: string) =>
    helloSpec({
      port,
      instances: 1,
      version,
      hooks: { afterPromote: [{ http: { url: `${url}/hook`, method: 'POST', headers: { authorization: HOOK_SECRET, 'x-team': 'ops' } } }] },
      strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { metrics: [{ name: 'errors', provider: { http: { url: `${url}/metric`, jsonPath: '$.errors', headers: { 'x-api-key': PROVIDER_SECRET } } }, count: 1, interval: '1s', successCondition: 'result == 0' }] } }] } },
    });
  const deploy = async (version: string) => {
    const before = received.length;
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('vault', spec(version, url)), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await waitFor('the hook and the provider to call', () => received.slice(before).some((r) => r.path === '/hook') && received.slice(before).some((r) => r.path === '/metric'));
    return received.slice(before);
  };

  beforeAll(async () => {
    stub = createServer((req, res) => {
      received.push({ path: req.url ?? '', headers: req.headers });
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: 0 }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(config, stringify({ environments: { development: { outbound: { allow: [`127.0.0.1:${(stub.address() as AddressInfo).port}`] } } } }));
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    port = await freePort();
    // A first version: the hooks and analysis of a canary run from the second on (the first has nothing to compare with).
    const first = await cluster.cli('apply', '-f', cluster.writeSpec('vault', helloSpec({ port, instances: 1, version: '0.1.0' })), '--wait');
    expect(first.code, first.stdout + first.stderr).toBe(0);
  });
  afterAll(async () => {
    await cluster.destroy();
    await new Promise<void>((resolve) => stub.close(() => resolve()));
  });

  it('keeps them out of the database, and still sends them', async () => {
    const calls = await deploy('1.0.0');
    expect(calls.find((r) => r.path === '/hook')!.headers.authorization).toBe(HOOK_SECRET);
    expect(calls.find((r) => r.path === '/hook')!.headers['x-team']).toBe('ops');
    expect(calls.find((r) => r.path === '/metric')!.headers['x-api-key']).toBe(PROVIDER_SECRET);
    const raw = rawStore();
    expect(raw.includes(Buffer.from('hook-secret-7f3a9c1e5b')), 'the hook header is in the database').toBe(false);
    expect(raw.includes(Buffer.from(PROVIDER_SECRET)), 'the provider header is in the database').toBe(false);
  });

  it('keeps them readable through a key rotation and the retiring of the old key', async () => {
    const rotated = await cluster.cli('encryption-key', 'rotate');
    expect(rotated.code, rotated.stderr).toBe(0);
    const retired = await cluster.cli('encryption-key', 'retire', '1');
    expect(retired.code, retired.stdout + retired.stderr).toBe(0);
    // The new version's hooks are sealed to the new key; the old revisions', re-sealed, still open without the retired one.
    const calls = await deploy('2.0.0');
    expect(calls.find((r) => r.path === '/hook')!.headers.authorization).toBe(HOOK_SECRET);
    expect(calls.find((r) => r.path === '/metric')!.headers['x-api-key']).toBe(PROVIDER_SECRET);
    expect(rawStore().includes(Buffer.from('hook-secret-7f3a9c1e5b'))).toBe(false);
  });

  it('unpacks revisions in folders no other user can list or read: 0700, or 0711 parents when instances run as another user', () => {
    const root = cluster.revisionsDir;
    const folders = [root, ...readdirSync(root, { recursive: true }).map((entry) => join(root, String(entry))).filter((path) => statSync(path).isDirectory() && /\/\d+$/.test(path))];
    expect(folders.length).toBeGreaterThan(1);
    for (const folder of folders) {
      const mode = statSync(folder).mode & 0o777;
      const revision = /\/\d+$/.test(folder);
      // Nobody lists a parent folder; a revision is read by its environment's account (its group) and no one else.
      if (revision) expect(mode & 0o007, `${folder} is ${mode.toString(8)}`).toBe(0);
      else expect(mode & 0o066, `${folder} is ${mode.toString(8)}`).toBe(0);
    }
  });
});
