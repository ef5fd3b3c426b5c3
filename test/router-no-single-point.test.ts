import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/core/net.ts';
import { startLoad, type LoadRun } from '../src/load/index.ts';
import { isProcessAlive } from '../src/platforms/index.ts';
import { findProcesses, parentOf } from '../src/platforms/local/proc.ts';
import { Cluster, helloSpec, waitFor } from './support/cluster.ts';

/**
 * Issue 12, finding 4: the router was a single point of failure. A killed
 * router lost ~1.3 s of traffic with the control plane up, and all traffic
 * while the control plane was down. Now a router is a supervisor and
 * workers (the default): a worker's death loses only its requests in
 * flight and the supervisor replaces it; the supervisor's death leaves its
 * workers serving, and one of them starts a new router that takes the port
 * over — all with the control plane stopped. The router here is the
 * default layout's, one host for every service of the data dir (a router of
 * a service's own has the same supervisor and workers).
 */
describe('killing the router with the control plane stopped', () => {
  const cluster = new Cluster();
  let port = 0;
  let load: LoadRun | undefined;

  /** The router's supervisor (it carries the service's marks) and the workers whose parent it is. */
  const layout = (): { supervisor: number | undefined; workers: number[]; orphans: number[] } => {
    const supervisors = cluster.processes().filter((p) => p.router && isProcessAlive(p.pid)).map((p) => p.pid);
    const all = findProcesses((env) => env.get('CUTOVER_ROUTER_WORKER') === '1' && (env.get('CUTOVER_ROUTER_WORKER_OF') ?? '').startsWith(cluster.dataDir));
    const workers = all.filter(({ pid }) => supervisors.includes(parentOf(pid) ?? -1)).map(({ pid }) => pid);
    return { supervisor: supervisors.length === 1 ? supervisors[0] : undefined, workers, orphans: all.map(({ pid }) => pid).filter((pid) => !workers.includes(pid)) };
  };

  /** Every request of `count` sent one after the other answers 200. */
  const allAnswer = async (count: number): Promise<boolean> => {
    for (let i = 0; i < count; i++) if (!(await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false))) return false;
    return true;
  };

  beforeAll(async () => {
    port = await freePort();
    await cluster.start();
    const applied = await cluster.cli('apply', '-f', cluster.writeSpec('spof', helloSpec({ port, instances: 2 })), '--wait');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  });

  afterAll(async () => {
    await load?.stop();
    // Workers do not carry the data dir's marks (the control plane must not mistake them for routers): stop any left.
    for (const pid of [...layout().workers, ...layout().orphans]) process.kill(pid, 'SIGKILL');
    await cluster.destroy();
  });

  it('runs the router as a supervisor and two workers by default', () => {
    const { supervisor, workers } = layout();
    expect(supervisor).toBeDefined();
    expect(workers).toHaveLength(2);
  });

  it('a SIGKILLed worker loses only its requests in flight and is replaced by the supervisor', async () => {
    load = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 50 });
    await waitFor('the load to be answered', () => load!.snapshot().ok > 20, 30_000);
    await cluster.stopServer('SIGKILL');
    const before = layout();
    const failedBefore = load.snapshot().failed;
    process.kill(before.workers[0]!, 'SIGKILL');
    await waitFor('a replacement worker', () => {
      const now = layout();
      return now.supervisor === before.supervisor && now.workers.length === 2 && !now.workers.includes(before.workers[0]!);
    }, 60_000);
    expect(await allAnswer(20)).toBe(true);
    // At 50 requests/s with an instant answer, a worker holds a request or two at a time.
    expect(load.snapshot().failed - failedBefore).toBeLessThanOrEqual(5);
  });

  it('a SIGKILLed supervisor leaves its workers serving; one of them starts a new router, which takes the port over', async () => {
    const before = layout();
    const failedBefore = load!.snapshot().failed;
    const okBefore = load!.snapshot().ok;
    process.kill(before.supervisor!, 'SIGKILL');
    // Nothing of the control plane runs: the new router can only come from the orphaned workers.
    const after = await waitFor('a new router with two workers and no orphan left', () => {
      const now = layout();
      return now.supervisor !== undefined && now.supervisor !== before.supervisor && now.workers.length === 2 && now.orphans.length === 0 ? now : undefined;
    }, 90_000);
    expect(after.workers.some((pid) => before.workers.includes(pid))).toBe(false);
    // The new workers bind the port the orphans let go of: they may still be retrying it when the orphans are gone.
    await waitFor('the new router to serve', () => allAnswer(1), 30_000);
    expect(await allAnswer(20)).toBe(true);
    const { ok, failed } = load!.snapshot();
    expect(ok - okBefore).toBeGreaterThan(0);
    // Only the requests in the takeover's gap (the orphans let go of the port, the new workers bind it) may fail.
    expect(failed - failedBefore).toBeLessThanOrEqual(25);
  });

  it('the control plane, started again, adopts the new router instead of starting another', async () => {
    const { supervisor } = layout();
    await cluster.start();
    await waitFor('the service to be reported serving', async () => (await cluster.status('spof')).phase !== undefined, 60_000);
    expect(await allAnswer(10)).toBe(true);
    expect(layout().supervisor).toBe(supervisor);
    expect(cluster.processes().filter((p) => p.router)).toHaveLength(1);
    const report = await load!.stop();
    load = undefined;
    expect(report.sent).toBeGreaterThan(0);
  });
});
