import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, runCli } from './support/cluster.ts';

/**
 * Environments are walls (issue 9, finding 2): a deployer on development who
 * applies a production service's name with `environment: development` gets
 * her own development service, and nothing she sends — whatever name, path
 * or environment she uses — reaches (production, shop).
 */
describe('environments are walls', () => {
  const cluster = new Cluster();
  const tokens: Record<string, string> = {};
  let productionPort = 0;

  beforeAll(async () => {
    const config = join(cluster.dataDir, 'config.yaml');
    // Production's own gates (signature, approval, staging first) are tested elsewhere; here only the wall between environments is.
    writeFileSync(config, stringify({ environments: { production: { instances: { min: 1 }, requiresSuccessIn: null, approvalRequired: false, signatureRequired: false } }, policies: { defaults: false } }));
    cluster.serverArgs = ['--config', config];
    await cluster.start();
    for (const [name, roles] of Object.entries({ eve: ['deployer:development'], ops: ['deployer:production'] })) {
      tokens[name] = (await cluster.api<{ token: string }>('POST', '/v1/users', { name, roles })).body.token;
    }
    productionPort = await freePort();
    const production = await cluster.cli('apply', '-f', cluster.writeSpec('shop', helloSpec({ port: productionPort, instances: 1, version: '1.0.0', environment: 'production', strategy: { canary: { steps: [] } } })), '--wait');
    expect(production.code, production.stdout + production.stderr).toBe(0);
  });
  afterAll(() => cluster.destroy());

  const as = (user: string) => ({ CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: tokens[user]! });
  const versionOn = async (port: number) => ((await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { version: string }).version;

  it('gives a development deployer who applies a production name her own development service, and leaves production as it was', async () => {
    const before = await cluster.status('shop', 'production');
    const servedBefore = await versionOn(productionPort);
    const devPort = await freePort();
    const mine = await runCli(['apply', '-f', cluster.writeSpec('shop', helloSpec({ port: devPort, instances: 1, version: '6.6.6', environment: 'development' })), '--wait'], as('eve'));
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(mine.stdout).toMatch(/shop \(development\)/);
    const after = await cluster.status('shop', 'production');
    expect(after.deployment.id).toBe(before.deployment.id);
    expect(after.stableRevision).toBe(before.stableRevision);
    expect(after.version).toBe('1.0.0');
    expect(servedBefore).toBe('1.0.0');
    expect(await versionOn(productionPort)).toBe('1.0.0');
    expect((await cluster.status('shop', 'development')).version).toBe('6.6.6');
    // Production's deployers still own their service.
    const lock = await runCli(['lock', 'acquire', 'shop', '--env', 'production', '-m', 'checking the wall'], as('ops'));
    expect(lock.code, lock.stderr).toBe(0);
    expect((await runCli(['lock', 'release', 'shop', '--env', 'production'], as('ops'))).code).toBe(0);
  });

  it("refuses every call of the development deployer that is addressed to production, whatever she names", async () => {
    const forbidden = async (args: string[]) => {
      const result = await runCli(args, as('eve'));
      expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(/not on production|may not|Forbidden/);
    };
    await forbidden(['apply', '-f', cluster.writeSpec('shop', helloSpec({ port: productionPort, instances: 1, version: '6.6.7', environment: 'production' }))]);
    await forbidden(['apply', '-f', cluster.writeSpec('shop', helloSpec({ port: productionPort, instances: 1, version: '6.6.8', environment: 'development' })), '--env', 'production']);
    for (const command of [['rollback', 'shop'], ['abort', 'shop'], ['promote', 'shop'], ['delete', 'shop'], ['status', 'shop'], ['history', 'shop'], ['logs', 'shop']]) {
      await forbidden([...command, '--env', 'production']);
    }
    await forbidden(['lock', 'acquire', 'shop', '--env', 'production', '-m', 'mine now']);
    await forbidden(['promote-env', 'shop', '--from', 'development', '--to', 'production']);
    // Straight to the API, with names that try to climb out of the path.
    for (const path of ['/v1/environments/production/services/shop', '/v1/environments/production/services/shop/rollback', '/v1/environments/development/../production/services/shop/abort', '/v1/environments/production%2f..%2fdevelopment/services/shop/abort']) {
      const response = await fetch(`${cluster.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.eve}`, 'content-type': 'application/json' }, body: '{}' });
      expect([403, 404], `${path}: ${response.status}`).toContain(response.status);
    }
    // Her development service cannot take production's port either.
    const clash = await runCli(['apply', '-f', cluster.writeSpec('shop', helloSpec({ port: productionPort, instances: 1, version: '6.6.9', environment: 'development' }))], as('eve'));
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/port \d+ is used by service shop \(production\)/);
    const production = await cluster.status('shop', 'production');
    expect(production.version).toBe('1.0.0');
    expect(production.phase).toBe('Succeeded');
  });
});
