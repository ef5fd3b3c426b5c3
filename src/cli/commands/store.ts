import { join, resolve } from 'node:path';
import { EXIT } from '../exit.ts';
import type { Cli } from '../cli.ts';

/**
 * `cutover backup` and `cutover restore`: the store (cutover.db in the data
 * dir) copied online with SQLite's backup API, and put back with the server
 * stopped. They work on the data dir's files directly, so they need no
 * server and no token: whoever can read the data dir can already read the store.
 * A PostgreSQL store (--store, or `store:` in the config file) is refused
 * with the commands that back it up and restore it.
 */
export function register(cli: Cli): void {
  const { program, run, dataDir } = cli;

  /** Throws when the data dir's server keeps its state in PostgreSQL: given with --store, or in the config file. */
  const refusePostgres = async (command: 'backup' | 'restore', options: StoreOptions): Promise<void> => {
    const { postgresStoreProblem } = await import('../../store/backup.ts');
    let store = options.store ?? null;
    if (store === null) {
      const { loadServerConfig } = await import('../../config/server-config.ts');
      const configFile = resolve(options.config ?? join(dataDir(), 'config.yaml'));
      store = (await loadServerConfig(configFile, options.config !== undefined)).store;
    }
    const problem = store === null ? null : postgresStoreProblem(store, command, resolve(dataDir()));
    if (problem !== null) throw problem;
  };

  program
    .command('backup')
    .argument('<file>', 'where to write the copy (replaced if it exists)')
    .description('copy the store (<data-dir>/cutover.db) to FILE, consistently, while the server runs')
    .option('--store <url>', 'the --store the server was started with: a PostgreSQL store is refused here (back it up with pg_dump)')
    .option('--config <file>', 'the server\'s config file, read for `store:` (default <data-dir>/config.yaml)')
    .action(
      run(async (file: string, options: StoreOptions) => {
        await refusePostgres('backup', options);
        const { backupStore } = await import('../../store/index.ts');
        const source = join(resolve(dataDir()), 'cutover.db');
        const { bytes } = await backupStore(source, resolve(file));
        process.stdout.write(`backed up ${source} to ${resolve(file)} (${bytes} bytes); keep ${join(resolve(dataDir()), 'keys')} safe too: artifacts and secret values are encrypted to it\n`);
        return EXIT.ok;
      }),
    );

  program
    .command('restore')
    .argument('<file>', 'a backup made by `cutover backup`')
    .description('replace the store with a backup (stop the server first; the replaced store is kept beside it)')
    .option('--store <url>', 'the --store the server was started with: a PostgreSQL store is refused here (restore it with pg_restore)')
    .option('--config <file>', 'the server\'s config file, read for `store:` (default <data-dir>/config.yaml)')
    .action(
      run(async (file: string, options: StoreOptions) => {
        await refusePostgres('restore', options);
        const { restoreStore } = await import('../../store/index.ts');
        const dir = resolve(dataDir());
        const { replaced } = restoreStore(resolve(file), join(dir, 'cutover.db'), join(dir, 'server.pid'));
        process.stdout.write(
          `restored ${join(dir, 'cutover.db')} from ${resolve(file)}${replaced ? `; the store it replaced is kept as ${replaced}` : ''}. Start the server (cutover server --data-dir ${dir}): it adopts the instances and routers the backup records\n`,
        );
        return EXIT.ok;
      }),
    );
}

interface StoreOptions {
  store?: string;
  config?: string;
}
