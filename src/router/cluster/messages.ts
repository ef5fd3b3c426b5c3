/**
 * What the router's supervisor and its workers say to each other over the
 * cluster IPC channel. The supervisor owns the config (it persists it and
 * hands it to every worker, a restarted one included); each worker proxies
 * traffic and keeps its own counters, which the supervisor adds up.
 */
import type { RequestSamples, RouterConfig, RouterStats } from '../wire.ts';

export type ToWorker =
  /** `waitForPortMs`: the port may still be held by the workers of a router this one takes over; retry that long. */
  | { type: 'apply'; id: number; config: RouterConfig; waitForPortMs?: number }
  | { type: 'stats'; id: number }
  | { type: 'samples'; id: number; after: number };

export type FromWorker =
  /** The worker is up and waits for a config. */
  | { type: 'ready' }
  | { type: 'applied'; id: number; ports: { traffic?: number; preview?: number } }
  | { type: 'failed'; id: number; code: string; message: string }
  | { type: 'stats'; id: number; stats: RouterStats }
  | { type: 'samples'; id: number; samples: RequestSamples };
