import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { helloSpec, waitFor } from './support/cluster.ts';
import { requirePostgres } from './support/postgres.ts';
import { ReplicaSet } from './support/replicas.ts';

const postgres = requirePostgres();

/**
 * A leader stopped (SIGSTOP) longer than its lease, in the middle of a
 * timed canary pause: another replica takes over and finishes the
 * deployment. Woken (SIGCONT), the old leader's overdue timers fire (its
 * pause has ended, its supervision is due), but every side effect and every
 * record asks the fence first, which finds the lease lapsed on the
 * replica's own clock: it does nothing, says it lost leadership, and serves
 * on as a follower, ready to lead again.
 */
postgres.describe('a leader stopped for longer than its lease', () => {
  const set = new ReplicaSet({ store: 'postgres' });
  const service = 'hello-fenced';
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    await set.start(2);
  });
  afterAll(() => set.destroy());

  postgres.it('is fenced when it wakes up: it acts on nothing, logs that it lost leadership, and rejoins as a follower', async () => {
    const old = await set.leader();
    const other = set.replicas.find((r) => r !== old)!;
    set.cluster.port = old.port;
    const v1 = await set.cli(old, 'apply', '-f', set.cluster.writeSpec(service, helloSpec({ port, instances: 2 })), '--wait');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const strategy = { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '3s' } }, { setWeight: 100 }] } };
    const v2 = await set.cli(old, 'apply', '-f', set.cluster.writeSpec(service, helloSpec({ port, instances: 2, version: '2.0.0', strategy })));
    expect(v2.code, v2.stderr).toBe(0);
    await waitFor('the canary to pause', async () => (await set.cluster.status(service)).phase === 'Paused', 90_000);

    await set.kill(old, 'SIGSTOP');
    set.cluster.port = other.port;
    await waitFor('the other replica to lead', async () => (await set.controlPlane(other)).leader?.url === other.url, 30_000);
    // The new leader acts: it resumes the deployment and finishes it.
    await waitFor('the deployment to succeed under the new leader', async () => (await set.cluster.status(service)).phase === 'Succeeded', 90_000);
    const finished = await set.cluster.status(service);
    const eventsBefore = (await set.cluster.api<unknown[]>('GET', `/v1/environments/development/services/${service}/history`)).body;

    const logBefore = old.log.length;
    old.child.kill('SIGCONT');
    await waitFor('the old leader to log that it lost leadership', () => old.log.slice(logBefore).includes('lost leadership'), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const woke = old.log.slice(logBefore);

    // Nothing acted: the same instances (same pids), the same history, and the old leader started, stopped and pushed nothing.
    const after = await set.cluster.status(service);
    expect(after.phase).toBe('Succeeded');
    expect(after.instances.map((i) => `${i.id}:${i.pid}`).sort()).toEqual(finished.instances.map((i) => `${i.id}:${i.pid}`).sort());
    expect((await set.cluster.api<unknown[]>('GET', `/v1/environments/development/services/${service}/history`)).body).toEqual(eventsBefore);
    expect(set.cluster.processes().filter((p) => p.instance).map((p) => p.instance).sort()).toEqual(after.instances.map((i) => i.id).sort());
    for (const acted of ['"msg":"step"', 'deployment succeeded', 'instance started', 'router config pushed']) expect(woke, woke).not.toContain(acted);

    // It serves as a follower, naming the new leader; when that one dies, it leads again.
    const view = await set.controlPlane(old);
    expect(view.leader?.url).toBe(other.url);
    expect(view.replica?.url).toBe(old.url);
    await set.kill(other, 'SIGKILL');
    await waitFor('the old leader to lead again', async () => (await set.controlPlane(old)).leader?.url === old.url && (await set.controlPlane(old)).leader?.live, 30_000);
    expect((await set.controlPlane(old)).leader!.token).toBeGreaterThan(view.leader!.token);
  });
});
