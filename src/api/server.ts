import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { CutoverError, ErrorCode } from '../core/errors.ts';
import type { EngineContext } from '../engine/context.ts';
import { Coordinator } from '../engine/coordinator.ts';
import type { Logger } from '../monitoring/logger.ts';
import { createPlatform } from '../platforms/index.ts';
import { openStore } from '../store/index.ts';
import { ArtifactStore } from '../supply-chain/artifacts.ts';
import { BuiltinTrafficRouter } from '../traffic/builtin-router.ts';
import { createApi } from './routes.ts';
import { TokenVerifier, ensureAdminToken } from './token.ts';
import { loadServerConfig } from '../config/server-config.ts';
import { startMonitoring } from './monitoring.ts';

export interface ServerOptions {
  dataDir: string;
  /** The config file; default `<data-dir>/config.yaml` (optional). */
  configFile?: string;
  host: string;
  port: number;
  log: Logger;
}

export interface RunningServer {
  url: string;
  coordinator: Coordinator;
  ctx: EngineContext;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Starts the control plane: store, engine (adopting what runs), and the HTTP API. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (!LOOPBACK.has(options.host)) {
    throw new CutoverError(ErrorCode.InvalidRequest, `refusing to listen on ${options.host}: the API would travel without TLS; listen on 127.0.0.1 and put a TLS proxy in front`);
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const token = ensureAdminToken(options.dataDir);
  const config = await loadServerConfig(options.configFile ?? join(options.dataDir, 'config.yaml'), options.configFile !== undefined);
  const store = openStore(join(options.dataDir, 'cutover.db'));
  const ctx: EngineContext = {
    dataDir: options.dataDir,
    store,
    platform: createPlatform('local', { dataDir: options.dataDir }),
    traffic: new BuiltinTrafficRouter(options.dataDir, store, options.log),
    artifacts: new ArtifactStore(join(options.dataDir, 'artifacts')),
    log: options.log,
    environments: config.environments,
  };
  const monitoring = startMonitoring(ctx, config.alerts);
  const coordinator = new Coordinator(ctx);
  await coordinator.start();
  const app = createApi(ctx, coordinator, new TokenVerifier(token), { metrics: monitoring.metrics, alerts: config.alerts });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(s as Server));
    (s as Server).once('error', reject);
  }).catch(async (error: NodeJS.ErrnoException) => {
    await coordinator.stop();
    monitoring.stop();
    store.close();
    if (error.code === 'EADDRINUSE') throw new CutoverError(ErrorCode.PortInUse, `port ${options.port} is in use; is another cutover server running? Choose another with --port`);
    throw error;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host}:${port}`;
  options.log.info({ url, dataDir: options.dataDir }, 'cutover server listening');
  return {
    url,
    coordinator,
    ctx,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await coordinator.stop();
      monitoring.stop();
      store.close();
    },
  };
}
