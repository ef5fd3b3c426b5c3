import { resolve } from 'node:path';
import { EXIT, UsageError } from '../exit.ts';
import { integerIn } from '../options.ts';
import type { Cli } from '../cli.ts';

interface ServerOptions {
  host: string;
  port: number;
  logLevel?: string;
  config?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureListenAnywhere?: boolean;
  keyDir?: string;
  keyFile?: string;
  syncEveryCommit?: boolean;
  replica?: boolean;
  store?: string;
}

/** `cutover server`: the control plane, until SIGINT or SIGTERM; instances and routers keep running after it stops. */
export function register(cli: Cli): void {
  const { program, run, dataDir } = cli;

  program
    .command('server')
    .description('run the control plane (HTTP API on 127.0.0.1:7400)')
    .option('--host <host>', 'address to listen on (loopback only)', '127.0.0.1')
    .option('--port <port>', 'port to listen on', integerIn(0, 65535), 7400)
    .option('--log-level <level>', 'trace, debug, info, warn or error')
    .option('--config <file>', 'environments and alerts (default <data-dir>/config.yaml, optional)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (required for a non-loopback --host)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--insecure-listen-anywhere', 'allow a non-loopback --host without TLS (logged loudly)')
    .option('--store <url>', 'keep the state in PostgreSQL (postgres://USER@HOST[:PORT]/DATABASE) instead of <data-dir>/cutover.db; or `store:` in the config file')
    .option('--key-dir <dir>', 'the age key ring (artifacts and secrets at rest), outside the data dir (default <data-dir>/keys)')
    .option('--key-file <file>', 'one age identity the server only reads, e.g. a systemd credential (default $CREDENTIALS_DIRECTORY/age-key when it exists); keys cannot be rotated then')
    .option('--sync-every-commit', 'fsync the store in every commit: nothing acknowledged is lost even to a power loss, at one disk flush per write (default: commits are flushed together, every 50 ms on SQLite, by PostgreSQL\'s WAL writer within 0.6 s with --store; a SIGKILL of cutover loses nothing either way)')
    .option('--replica', 'run as one of several servers on one store (and data dir): each serves the API, the one holding the leadership lease executes deployments')
    .action(
      run(async (options: ServerOptions) => {
        if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together: give both, or neither');
        // Store code is loaded only when a store is named: `cutover --help` loads none (test/cli.test.ts).
        const storeProblem = options.store === undefined ? null : (await import('../../store/url.ts')).checkStoreUrl(options.store);
        if (storeProblem !== null) throw new UsageError(`--store ${storeProblem}`);
        if (options.keyDir && options.keyFile) throw new UsageError('--key-dir and --key-file name two places for the age keys: give one');
        // The whole control plane: loaded only to run it.
        const [{ startServer }, { createLogger }] = await Promise.all([import('../../server/index.ts'), import('../../monitoring/logger.ts')]);
        const log = createLogger({ ...(options.logLevel ? { level: options.logLevel } : {}) });
        const server = await startServer({
          dataDir: resolve(dataDir()),
          host: options.host,
          port: options.port,
          log,
          ...(options.config ? { configFile: resolve(options.config) } : {}),
          ...(options.tlsCert && options.tlsKey ? { tls: { certFile: resolve(options.tlsCert), keyFile: resolve(options.tlsKey) } } : {}),
          ...(options.insecureListenAnywhere ? { insecureListenAnywhere: true } : {}),
          ...(options.keyDir ? { keyDir: resolve(options.keyDir) } : {}),
          ...(options.keyFile ? { keyFile: resolve(options.keyFile) } : {}),
          ...(options.syncEveryCommit ? { commits: 'each' as const } : {}),
          ...(options.replica ? { replica: true } : {}),
          ...(options.store ? { store: options.store } : {}),
        });
        await new Promise<void>((done) => {
          const stop = () => {
            log.info('stopping; instances and routers keep running');
            void server.close().then(done);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        return EXIT.ok;
      }),
    );
}
