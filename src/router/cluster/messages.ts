/**
 * What the router's supervisor and its workers say to each other over the
 * cluster IPC channel. The supervisor owns the config (it persists it and
 * hands it to every worker, a restarted one included); each worker proxies
 * traffic and keeps its own counters, which the supervisor adds up.
 */
import type { RequestSamples, RouterConfig, RouterStats } from '../wire.ts';

/**
 * `slot`: which service of a shared router (cluster/host.ts) the message is
 * about; a router of one service leaves it out. Each slot is a DataPlane of
 * its own in every worker: its listeners, config, counters and samples.
 */
export type ToWorker =
  /** `waitForPortMs`: the port may still be held by the workers of a router this one takes over; retry that long. */
  | { type: 'apply'; id: number; slot?: string; config: RouterConfig; waitForPortMs?: number }
  | { type: 'stats'; id: number; slot?: string }
  | { type: 'samples'; id: number; slot?: string; after: number }
  /** The service left the shared router: close its listeners (gracefully) and forget it. */
  | { type: 'remove'; id: number; slot: string };

export type FromWorker =
  /** The worker is up and waits for a config. */
  | { type: 'ready' }
  | { type: 'applied'; id: number; ports: { traffic?: number; preview?: number } }
  | { type: 'removed'; id: number }
  | { type: 'failed'; id: number; code: string; message: string }
  | { type: 'stats'; id: number; stats: RouterStats }
  | { type: 'samples'; id: number; samples: RequestSamples };
