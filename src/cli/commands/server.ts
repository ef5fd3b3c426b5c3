import { resolve } from 'node:path';
import { startServer } from '../../server/index.ts';
import { createLogger } from '../../monitoring/logger.ts';

/** `cutover server`: runs the control plane until SIGINT/SIGTERM; instances and routers keep running after it stops. */
export async function serverCommand(options: { dataDir: string; host: string; port: string; logLevel?: string; config?: string; tlsCert?: string; tlsKey?: string; insecureListenAnywhere?: boolean }): Promise<number> {
  const log = createLogger({ ...(options.logLevel ? { level: options.logLevel } : {}) });
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got "${options.port}"`);
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
  const server = await startServer({
    dataDir: resolve(options.dataDir),
    host: options.host,
    port,
    log,
    ...(options.config ? { configFile: resolve(options.config) } : {}),
    ...(options.tlsCert && options.tlsKey ? { tls: { certFile: resolve(options.tlsCert), keyFile: resolve(options.tlsKey) } } : {}),
    ...(options.insecureListenAnywhere ? { insecureListenAnywhere: true } : {}),
  });
  await new Promise<void>((done) => {
    const stop = () => {
      log.info('stopping; instances and routers keep running');
      void server.close().then(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
