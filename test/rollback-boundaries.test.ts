import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { Cluster, helloSpec, runCli, waitFor } from './support/cluster.ts';

/**
 * Rollback is not a way around an environment's rules (issue 9, finding 3):
 * a revision an approver rejected cannot be rolled out with `rollback
 * --to-revision`; a rollback goes only to revisions that succeeded in the
 * environment, passes its checks again (here a deploy window), and waits
 * for an approver when the revision was never approved there. An admin's
 * `--force` goes around all of that, and the audit log says so.
 */
describe('rollback within an environment\'s rules', () => {
  const cluster = new Cluster();
  const service = 'guarded-shop';
  const tokens: Record<string, string> = {};
  let port = 0;
  const as = (user: string) => ({ CUTOVER_SERVER: cluster.url, CUTOVER_TOKEN: tokens[user]! });
  const configure = (guarded: Record<string, unknown>) => writeFileSync(join(cluster.dataDir, 'config.yaml'), stringify({ environments: { guarded: { extends: 'development', ...guarded } } }));
  const restart = async (guarded: Record<string, unknown>) => {
    configure(guarded);
    await cluster.stopServer();
    await cluster.start();
  };
  const apply = (version: string) => runCli(['apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 1, version, environment: 'guarded' }))], as('dev'));
  const settled = (phase: string) => waitFor(`the deployment to be ${phase}`, async () => (await cluster.status(service)).phase === phase);

  beforeAll(async () => {
    port = await freePort();
    configure({ approvalRequired: true });
    await cluster.start();
    for (const [name, roles] of Object.entries({ dev: ['deployer:guarded'], boss: ['approver:guarded'] })) {
      tokens[name] = (await cluster.api<{ token: string }>('POST', '/v1/users', { name, roles })).body.token;
    }
  });
  afterAll(() => cluster.destroy());

  it('refuses to roll out a revision an approver rejected, and lets only an admin force it, audited', async () => {
    expect((await apply('1.0.0')).code).toBe(0);
    await settled('AwaitingApproval');
    expect((await runCli(['approve', String((await cluster.status(service)).deployment.id)], as('boss'))).code).toBe(0);
    await settled('Succeeded');
    expect((await apply('2.0.0')).code).toBe(0);
    await settled('AwaitingApproval');
    expect((await runCli(['reject', String((await cluster.status(service)).deployment.id), '-m', 'not this one'], as('boss'))).code).toBe(0);
    await settled('Aborted');

    const sneaky = await runCli(['rollback', service, '--to-revision', '2'], as('dev'));
    expect(sneaky.code).toBe(1);
    expect(sneaky.stderr).toMatch(/revision 2 of guarded-shop never succeeded in guarded, so it cannot be rolled back to.*--force/);
    const forcedByDeployer = await runCli(['rollback', service, '--to-revision', '2', '--force'], as('dev'));
    expect(forcedByDeployer.code).toBe(1);
    expect(forcedByDeployer.stderr).toMatch(/admin/);
    expect((await cluster.status(service)).instances.map((i) => i.revision)).toEqual([1]);

    const forced = await cluster.cli('rollback', service, '--to-revision', '2', '--force', '--wait');
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect((await cluster.status(service)).instances.map((i) => i.revision)).toEqual([2]);
    const audit = JSON.parse((await cluster.cli('audit', 'list', '-o', 'json', '--limit', '1000')).stdout) as { actor: string; target: string; outcome: string }[];
    // The entry names the service, the revision and digest rolled out, and that the checks were skipped.
    expect(audit).toContainEqual(
      expect.objectContaining({
        actor: 'admin',
        outcome: 'succeeded',
        target: expect.stringMatching(new RegExp(`^service/${service}@`)),
        details: expect.objectContaining({ force: true, revision: 2, digest: expect.stringMatching(/^[0-9a-f]{64}$/), note: 'forced rollback to revision 2: checks and approval skipped' }),
      }),
    );
  });

  it('waits for an approver when the revision was never approved in the environment', async () => {
    // Revision 3 succeeds while guarded asks for no approval; then guarded starts requiring one.
    await restart({ approvalRequired: false });
    expect((await apply('3.0.0')).code).toBe(0);
    await settled('Succeeded');
    expect((await runCli(['rollback', service, '--to-revision', '1'], as('dev'))).code).toBe(0);
    await settled('Succeeded');
    await restart({ approvalRequired: true });
    const back = await runCli(['rollback', service, '--to-revision', '3'], as('dev'));
    expect(back.code, back.stderr).toBe(0);
    await settled('AwaitingApproval');
    expect((await cluster.status(service)).instances.map((i) => i.revision)).toEqual([1]);
    expect((await runCli(['approve', String((await cluster.status(service)).deployment.id)], as('boss'))).code).toBe(0);
    await settled('Succeeded');
    expect((await cluster.status(service)).instances.map((i) => i.revision)).toEqual([3]);
  });

  it('passes the environment\'s checks again: outside its deploy windows a rollback is refused', async () => {
    const tomorrow = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 1) % 7];
    await restart({ approvalRequired: true, deployWindows: [{ days: [tomorrow], start: '00:00', end: '23:59' }] });
    const closed = await runCli(['rollback', service, '--to-revision', '1'], as('dev'));
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/cannot be deployed to guarded .*nothing was started/);
    expect(closed.stderr).toMatch(/window/);
  });
});
