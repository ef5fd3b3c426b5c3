import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, HELLO_DIR, helloSpec, runCli } from './support/cluster.ts';
import { requireTool } from './support/tools.ts';

const withMinisign = requireTool('minisign');

/**
 * Signature records per (artifact, environment) (issue 9, finding 11): the
 * signature an artifact passed with is kept for rollbacks and promotions.
 * Kept by digest alone, a development deployer who applied the same
 * artifact signed with development's key replaced production's record, and
 * production could no longer roll back to it. Each environment now keeps
 * the signature it accepted.
 */
describe('artifact signatures per environment', () => {
  const cluster = new Cluster();
  const work = mkdtempSync(join(tmpdir(), 'cutover-sigenv-'));
  const pub = (name: string) => readFileSync(join(work, `${name}.pub`), 'utf8').trim().split('\n').at(-1)!;
  let mallory = '';
  let port = 0;

  /** Packs hello as `version` (the same bytes for the same version), signed with `key`; returns a spec for it. */
  async function signed(version: string, key: string, environment: string, servicePort: number): Promise<string> {
    const archive = join(work, `hello-${version}.tar.gz`);
    const packed = await cluster.cli('artifact', 'pack', join(work, `hello-${version}`), '--out', archive);
    expect(packed.code, packed.stderr).toBe(0);
    execFileSync('minisign', ['-S', '-s', join(work, `${key}.key`), '-m', archive], { stdio: 'ignore' });
    return cluster.writeSpec('shop', helloSpec({ port: servicePort, instances: 1, version, environment, strategy: { canary: { steps: [] } }, artifact: { path: archive } }));
  }

  beforeAll(async () => {
    if (!withMinisign.available) return;
    for (const key of ['production', 'development']) execFileSync('minisign', ['-G', '-W', '-p', join(work, `${key}.pub`), '-s', join(work, `${key}.key`)], { stdio: 'ignore' });
    for (const version of ['1.0.0', '2.0.0', '3.0.0']) {
      execFileSync('cp', ['-r', HELLO_DIR, join(work, `hello-${version}`)]);
      writeFileSync(join(work, `hello-${version}`, 'VERSION'), `${version}\n`);
    }
    const config = join(cluster.dataDir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        environments: {
          production: { instances: { min: 1 }, requiresSuccessIn: null, approvalRequired: false, signatureRequired: true, trustedKeys: [pub('production')] },
          development: { signatureRequired: true, trustedKeys: [pub('development')] },
        },
        policies: { defaults: false },
      }),
    );
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    mallory = (await cluster.api<{ token: string }>('POST', '/v1/users', { name: 'mallory', roles: ['deployer:development'] })).body.token;
    port = await freePort();
  });
  afterAll(async () => {
    await cluster.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  withMinisign.it("a development deployer's signature of the same artifact does not replace production's: production still rolls back to it", async () => {
    for (const version of ['1.0.0', '2.0.0']) {
      const applied = await cluster.cli('apply', '-f', await signed(version, 'production', 'production', port), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    }
    // The same 1.0.0 archive, signed again with development's key, applied in development by its deployer.
    const dev = await runCli(['apply', '-f', await signed('1.0.0', 'development', 'development', await freePort()), '--wait'], { CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: mallory });
    expect(dev.code, dev.stdout + dev.stderr).toBe(0);

    const back = await cluster.cli('rollback', 'shop', '--env', 'production', '--to-revision', '1', '--wait');
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect((await cluster.status('shop', 'production')).version).toBe('1.0.0');
  });

  withMinisign.it('a signature development accepted does not count in production, which trusts other keys', async () => {
    // A version signed for development only is not promoted into production on development's signature.
    const dev = await runCli(['apply', '-f', await signed('3.0.0', 'development', 'development', await freePort()), '--wait'], { CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: mallory });
    if (dev.code !== 0) throw new Error(dev.stdout + dev.stderr);
    const promoted = await cluster.cli('promote-env', 'shop', '--from', 'development', '--to', 'production');
    expect(promoted.code).not.toBe(0);
    expect(promoted.stderr).toMatch(/signature: .*not trusted in environment production/);
  });
});
