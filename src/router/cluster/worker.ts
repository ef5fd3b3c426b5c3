import cluster from 'node:cluster';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, isCutoverError, messageOf } from '../../core/errors.ts';
import type { RouterConfig } from '../wire.ts';
import { DataPlane } from '../data-plane.ts';
import type { RouterLogger } from '../log.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import { respawnSupervisor, routerStateExists } from './takeover.ts';

/** While orphaned, how often a worker checks that a new router is on its way (another orphan may have started one that failed). */
const RESPAWN_RETRY_MS = 10_000;
/** Between two tries of a port the previous router's workers still hold: requests that come meanwhile are refused. */
const PORT_RETRY_MS = 5;

/**
 * A router worker: one of the processes that share the traffic ports and
 * proxy requests, for one service or (cluster/host.ts) for every service
 * of a host. It serves the configs its supervisor sends (the
 * supervisor persists them), answers its counters, and stops gracefully
 * on SIGTERM. When its supervisor dies it goes on serving the last config
 * and starts a new router (takeover.ts), which stops it once it serves.
 */
export function runWorker(log: RouterLogger, stopTimeoutMs: number): void {
  // node:cluster makes a worker exit when the channel to its primary closes, unless it "exited after disconnect".
  if (cluster.worker) cluster.worker.exitedAfterDisconnect = true;
  // The supervisor keeps the state files; a worker never writes them. One data plane per service ('' when the router has one).
  const dataPlanes = new Map<string, DataPlane>();
  const dataPlaneOf = (slot = ''): DataPlane => {
    let dataPlane = dataPlanes.get(slot);
    if (!dataPlane) {
      dataPlane = new DataPlane(undefined, log, stopTimeoutMs);
      dataPlanes.set(slot, dataPlane);
    }
    return dataPlane;
  };
  // Answers stats and samples of a service this worker does not serve (removed meanwhile) without adopting it.
  const idle = new DataPlane(undefined, log, stopTimeoutMs);
  const send = (message: FromWorker): void => {
    if (process.connected) process.send?.(message);
  };
  // Each service's applies one at a time and in order, like pushes to a single router; services do not wait for each other.
  const queues = new Map<string, Promise<unknown>>();
  const enqueue = (slot: string, work: () => Promise<void>): void => {
    const run = (queues.get(slot) ?? Promise.resolve()).then(work);
    queues.set(slot, run);
    void run.finally(() => queues.get(slot) === run && queues.delete(slot));
  };
  process.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'apply': {
        const dataPlane = dataPlaneOf(message.slot);
        enqueue(message.slot ?? '', () =>
          applyWaitingForPort(dataPlane, message.config, message.waitForPortMs ?? 0).then(
            () => send({ type: 'applied', id: message.id, ports: dataPlane.ports() }),
            (error: unknown) => send({ type: 'failed', id: message.id, code: isCutoverError(error) ? error.code : 'Internal', message: messageOf(error) }),
          ),
        );
        return;
      }
      case 'stats':
        send({ type: 'stats', id: message.id, stats: (dataPlanes.get(message.slot ?? '') ?? idle).stats() });
        return;
      case 'samples':
        send({ type: 'samples', id: message.id, samples: (dataPlanes.get(message.slot ?? '') ?? idle).samples(message.after) });
        return;
      case 'remove': {
        // After its applies already queued, so a service added and removed at once ends with nothing listening.
        enqueue(message.slot, async () => {
          const dataPlane = dataPlanes.get(message.slot);
          dataPlanes.delete(message.slot);
          await dataPlane?.stop().catch((error: unknown) => log.error({ event: 'stop-failed', slot: message.slot, error: messageOf(error) }, 'a removed service\'s listeners did not close cleanly'));
          send({ type: 'removed', id: message.id });
        });
        return;
      }
      default: {
        const unknown: never = message;
        log.warn({ event: 'unknown-message', message: unknown }, 'worker ignored an unknown message');
      }
    }
  });
  let stopping = false;
  const stop = (why: string): void => {
    // The process group's SIGTERM and the supervisor's may both arrive: one graceful stop is enough.
    if (stopping) return;
    stopping = true;
    log.info({ event: 'worker-stopping', why }, 'router worker stopping');
    Promise.all([...dataPlanes.values()].map((dataPlane) => dataPlane.stop())).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ event: 'stop-failed', error: messageOf(error) }, 'router worker stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const orphaned = (): void => {
    if (stopping) return;
    // Its router was removed with its folder (or a test's temp dir): nothing should serve it any more.
    if (!routerStateExists()) return stop('supervisor gone and its state file removed');
    respawnSupervisor(log);
  };
  process.on('disconnect', () => {
    if (stopping) return;
    log.error({ event: 'supervisor-gone' }, 'the router supervisor is gone; serving the last config until a new router takes over');
    orphaned();
    setInterval(orphaned, RESPAWN_RETRY_MS).unref();
  });
  send({ type: 'ready' });
}

/**
 * Applies a config; while the port is taken (by the previous router's
 * workers, which a taking-over supervisor has just told to stop) tries
 * again every 20 ms for up to `waitForPortMs`.
 */
async function applyWaitingForPort(dataPlane: DataPlane, config: RouterConfig, waitForPortMs: number): Promise<void> {
  const deadline = Date.now() + waitForPortMs;
  while (true) {
    try {
      await dataPlane.apply(config);
      return;
    } catch (error) {
      if (!isCutoverError(error) || error.code !== ErrorCode.PortInUse || Date.now() >= deadline) throw error;
      await sleep(PORT_RETRY_MS);
    }
  }
}
