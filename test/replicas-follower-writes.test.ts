import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { helloSpec, waitFor } from './support/cluster.ts';
import { requirePostgres } from './support/postgres.ts';
import { ReplicaSet, type ReplicaProcess } from './support/replicas.ts';

const postgres = requirePostgres();

/**
 * A follower serves the whole API: what it is asked to change it records in
 * the store, and the leader (which picks the work up from there) carries it
 * out. Each write below goes to the follower only.
 */
postgres.describe('writes accepted by a follower replica', () => {
  const set = new ReplicaSet({ store: 'postgres' });
  const service = 'hello-follower';
  let port = 0;
  let follower: ReplicaProcess;

  beforeAll(async () => {
    port = await freePort();
    await set.start(2);
    const leader = await set.leader();
    follower = set.replicas.find((r) => r !== leader)!;
  });
  afterAll(() => set.destroy());

  const phase = async () => (await set.cluster.api<{ phase: string }>('GET', `/v1/environments/development/services/${service}`)).body.phase;
  const paused = { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } };

  postgres.it('names the leader and itself in GET /v1/control-plane and in `cutover status`', async () => {
    const leader = await set.leader(follower);
    const view = await set.controlPlane(follower);
    expect(view.replica?.url).toBe(follower.url);
    expect(view.leader).toMatchObject({ url: leader.url, live: true });
    expect(view.leader!.token).toBeGreaterThanOrEqual(1);
  });

  postgres.it('applies, promotes and aborts, each executed by the leader', async () => {
    set.cluster.port = (await set.leader()).port; // the Cluster's own api() reads through the leader
    const v1 = await set.cli(follower, 'apply', '-f', set.cluster.writeSpec(service, helloSpec({ port, instances: 2 })));
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    await waitFor('v1 to succeed', async () => (await phase()) === 'Succeeded', 90_000);

    const status = await set.cli(follower, 'status', service);
    expect(status.stdout).toMatch(/control plane: leader .* at http:\/\/127\.0\.0\.1:\d+ \(token \d+/);
    expect(status.stdout).toContain(`answered by`);

    const v2 = await set.cli(follower, 'apply', '-f', set.cluster.writeSpec(service, helloSpec({ port, instances: 2, version: '2.0.0', strategy: paused })));
    expect(v2.code, v2.stdout + v2.stderr).toBe(0);
    await waitFor('the canary of v2 to pause', async () => (await phase()) === 'Paused', 90_000);
    const promoted = await set.cli(follower, 'promote', service);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    await waitFor('v2 to succeed after the promote', async () => (await phase()) === 'Succeeded', 90_000);

    const v3 = await set.cli(follower, 'apply', '-f', set.cluster.writeSpec(service, helloSpec({ port, instances: 2, version: '3.0.0', strategy: paused })));
    expect(v3.code, v3.stdout + v3.stderr).toBe(0);
    await waitFor('the canary of v3 to pause', async () => (await phase()) === 'Paused', 90_000);
    const aborted = await set.cli(follower, 'abort', service);
    expect(aborted.code, aborted.stdout + aborted.stderr).toBe(0);
    await waitFor('v3 to be aborted', async () => (await phase()) === 'Aborted', 90_000);

    // v2 serves on its 2 instances; the follower started and stopped nothing itself (its log says no step).
    const after = await set.cluster.status(service);
    expect(after.instances.filter((i) => i.revision === 2 && i.state === 'ready')).toHaveLength(2);
    expect(after.instances.filter((i) => i.revision === 3)).toHaveLength(0);
    expect(follower.log).not.toContain('"msg":"step"');
    expect(set.cluster.processes().filter((p) => p.instance).map((p) => p.instance).sort()).toEqual(after.instances.map((i) => i.id).sort());
  });

  postgres.it('refuses a delete, naming the leader to send it to', async () => {
    const response = await fetch(`${follower.url}/v1/environments/development/services/${service}`, { method: 'DELETE', headers: { authorization: `Bearer ${set.cluster.token}` } });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('is not the leader');
  });
});
