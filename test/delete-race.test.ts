import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { isProcessAlive } from '../src/platforms/index.ts';
import { Cluster, helloSpec } from './support/cluster.ts';

/**
 * Delete races with self-healing (issue 9, finding 11): in 2 of 4 deletes an
 * instance and the router were still alive 6 s after the 200, healing had
 * started an instance the delete was stopping. The delete marks the service
 * before draining and healing skips it: when `cutover delete` returns,
 * nothing of the service runs, and nothing comes back afterwards.
 */
describe('a delete while self-healing runs', () => {
  const cluster = new Cluster();

  beforeAll(() => cluster.start());
  afterAll(() => cluster.destroy());

  it('leaves nothing of the service running when it returns, four times out of four, and nothing comes back', async () => {
    for (let round = 0; round < 4; round++) {
      const service = `doomed-${round}`;
      const port = await freePort();
      const applied = await cluster.cli('apply', '-f', cluster.writeSpec(service, helloSpec({ port, instances: 3 })), '--wait');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      const running = cluster.processes();
      expect(running.filter((p) => p.instance).length).toBe(3);
      // Kill one instance, so healing has something to replace while the delete runs.
      process.kill(running.find((p) => p.instance)!.pid, 'SIGKILL');
      const deleted = await cluster.cli('delete', service, '--env', 'development');
      expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
      // The router host (the default layout) serves every service of the data dir and stays; the service's port must close.
      const alive = async () => [
        ...cluster.processes().filter(({ pid, router }) => router !== 'host' && isProcessAlive(pid)),
        ...(await fetch(`http://127.0.0.1:${port}/`).then(() => [{ port }], () => [])),
      ];
      expect(await alive(), `round ${round}: running right after the delete returned`).toEqual([]);
      await sleep(3000);
      expect(await alive(), `round ${round}: running 3 s after the delete returned`).toEqual([]);
    }
  });
});
