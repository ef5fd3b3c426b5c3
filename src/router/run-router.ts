import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { CutoverError, ErrorCode, messageOf } from '../core/errors.ts';
import type { RouterConfig, RouterStats } from './wire.ts';
import { startAdmin } from './admin.ts';
import { DataPlane } from './data-plane.ts';
import { closeGracefully, portOf } from './listen.ts';
import type { RouterLogger } from './log.ts';
import { createRouterLogger } from './log.ts';
import { loadRouterConfig } from './state-file.ts';

export interface RouterOptions {
  /** Where the last accepted config is kept, so a restarted router serves at once. */
  stateFile: string;
  /** The admin API's port on 127.0.0.1; 0 picks a free one. */
  adminPort: number;
  /** File holding the admin bearer token. */
  tokenFile: string;
  /** File holding a token that may only read `GET /metrics` (what Prometheus is given). */
  metricsTokenFile?: string;
  /** @default JSON lines on stdout */
  logger?: RouterLogger;
  /** How long a stop waits for requests in flight before cutting them. @default 20_000 */
  stopTimeoutMs?: number;
  /** Stop gracefully and exit the process on SIGTERM or SIGINT (the router process does). @default false */
  exitOnSignal?: boolean;
}

export interface RunningRouter {
  readonly adminPort: number;
  /** The ports traffic is served on now; none before the first config. */
  ports(): { traffic?: number; preview?: number };
  config(): RouterConfig | undefined;
  stats(): RouterStats;
  /** Stops accepting, lets requests in flight finish (bounded), closes everything. */
  stop(): Promise<void>;
  /** Settles once the router has stopped: what `cutover router` waits on. */
  readonly stopped: Promise<void>;
}

/**
 * Starts a router: serves the stored config (if any) right away, then opens
 * the admin API. When it resolves, traffic and admin ports are listening.
 */
export async function runRouter(options: RouterOptions): Promise<RunningRouter> {
  const log = options.logger ?? createRouterLogger();
  const token = await readToken(options.tokenFile);
  const metricsToken = options.metricsTokenFile ? await readToken(options.metricsTokenFile) : undefined;
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const dataPlane = new DataPlane(options.stateFile, log, stopTimeoutMs);
  let admin: Server | undefined;
  try {
    const stored = await loadStored(options.stateFile, log);
    if (stored) await dataPlane.apply(stored);
    admin = await startAdmin(options.adminPort, token, dataPlane, log, metricsToken);
  } catch (error) {
    await dataPlane.stop();
    throw error;
  }
  const adminServer = admin;
  const ports = dataPlane.ports();
  log.info(
    {
      event: 'start',
      service: dataPlane.config?.service,
      generation: dataPlane.config?.generation,
      adminPort: portOf(adminServer),
      port: ports.traffic,
      previewPort: ports.preview,
      stateFile: options.stateFile,
    },
    'router started',
  );

  let stopping: Promise<void> | undefined;
  let markStopped = (): void => {};
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  const router: RunningRouter = {
    stopped,
    adminPort: portOf(adminServer),
    ports: () => dataPlane.ports(),
    config: () => dataPlane.config,
    stats: () => dataPlane.stats(),
    stop: () => {
      stopping ??= (async () => {
        // Traffic first: the control plane may still read stats while requests finish.
        await dataPlane.stop();
        await closeGracefully(adminServer, 1_000);
        log.info({ event: 'stopped' }, 'router stopped');
      })().finally(markStopped);
      return stopping;
    },
  };
  if (options.exitOnSignal) exitOnSignal(router, log);
  return router;
}

export async function readToken(path: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw new CutoverError(ErrorCode.InvalidRequest, `Cannot read the router token file ${path}: ${messageOf(error)}`, { cause: error });
  }
  if (!token) throw new CutoverError(ErrorCode.InvalidRequest, `The router token file ${path} is empty; write the admin token in it.`);
  return token;
}

/**
 * The stored config, or none. An unreadable file is logged rather than fatal:
 * with its admin API up, the router can still receive a fresh config.
 */
export async function loadStored(path: string, log: RouterLogger): Promise<RouterConfig | undefined> {
  try {
    return await loadRouterConfig(path);
  } catch (error) {
    log.error({ event: 'state-unreadable', stateFile: path, error: messageOf(error) }, 'stored config unreadable; waiting for a push');
    return undefined;
  }
}

export function exitOnSignal(router: { stop(): Promise<void> }, log: RouterLogger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // A second signal means "now": whoever sent it no longer wants to wait.
      process.exit(1);
    }
    signalled = true;
    log.info({ event: 'stopping', signal }, 'router stopping');
    router.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ event: 'stop-failed', error: messageOf(error) }, 'router stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
