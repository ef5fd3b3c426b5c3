import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './support/cluster.ts';
import { requirePostgres } from './support/postgres.ts';
import { ReplicaSet } from './support/replicas.ts';

const postgres = requirePostgres();

/**
 * Three replicas started at the same instant on a fresh store and data dir:
 * they migrate it once between them (under a lock), share one key ring and
 * one admin token, and agree on one leader. On SQLite this is also the
 * short slice of the replica tests that runs there (the others run on
 * PostgreSQL): a SIGKILLed leader is replaced.
 */
for (const store of ['sqlite', 'postgres'] as const) {
  const gate = store === 'postgres' ? postgres : { describe, it };
  gate.describe(`three replicas started at once on a fresh ${store} store`, () => {
    let set: ReplicaSet | null = null;
    afterEach(async () => {
      await set?.destroy();
      set = null;
    });

    gate.it('all start, agree on one leader, and another leads when it is killed', async () => {
      set = new ReplicaSet({ store });
      const replicas = await set.startAtOnce(3);
      const leader = await waitFor('a leader', async () => (await set!.leader(replicas[0])) ?? null);
      for (const replica of replicas) {
        const view = await set.controlPlane(replica); // each reads the store with the one admin token
        expect(view.leader?.url, set.logs()).toBe(leader.url);
        expect(view.replica?.url).toBe(replica.url);
      }
      for (const replica of replicas) expect(replica.log, set.logs()).not.toMatch(/"level":50/);

      await set.kill(leader, 'SIGKILL');
      const survivor = set.alive()[0]!;
      const next = await waitFor('another replica to lead', async () => {
        const view = await set!.controlPlane(survivor);
        return view.leader?.live && view.leader.url !== leader.url ? view.leader : null;
      }, 30_000);
      expect(set.alive().map((r) => r.url)).toContain(next.url);
    }, 120_000);
  });
}
