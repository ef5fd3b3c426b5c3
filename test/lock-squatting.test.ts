import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, runCli } from './support/cluster.ts';

/**
 * Locks only on existing services, or by an admin (issue 9, finding 11): a
 * deployer cannot squat a name nobody applied yet, so that its first apply
 * (by someone else) is refused as locked.
 */
describe('deploy locks on names that do not exist', () => {
  const cluster = new Cluster();
  let deployer = '';
  const asDeployer = (...args: string[]) => runCli(args, { CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: deployer, CUTOVER_DATA_DIR: '/nonexistent' });

  beforeAll(async () => {
    await cluster.start();
    deployer = (await cluster.api<{ token: string }>('POST', '/v1/users', { name: 'mallory', roles: ['deployer:development'] })).body.token;
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('web', helloSpec({ port: await freePort(), instances: 1 })), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  });
  afterAll(() => cluster.destroy());

  it('refuses a deployer the lock of a service that does not exist, saying why and what to do', async () => {
    const squat = await asDeployer('lock', 'acquire', 'payments', '--env', 'development', '-m', 'mine now');
    expect(squat.code).not.toBe(0);
    expect(squat.stderr).toMatch(/service payments does not exist in development.*apply it first.*admin/);
    const lock = await cluster.api<{ lock: unknown }>('GET', '/v1/environments/development/services/payments/lock');
    expect(lock.body.lock).toBeNull();
  });

  it('still lets a deployer lock an existing service, and an admin reserve a name before its first apply', async () => {
    const locked = await asDeployer('lock', 'acquire', 'web', '--env', 'development', '-m', 'migration');
    expect(locked.code, locked.stderr).toBe(0);
    expect((await asDeployer('lock', 'release', 'web', '--env', 'development')).code).toBe(0);
    const reserved = await cluster.cli('lock', 'acquire', 'payments', '--env', 'development', '-m', 'reserved for the payments team');
    expect(reserved.code, reserved.stderr).toBe(0);
  });
});
