import type { Command } from 'commander';
import { ApiClient, DEFAULT_DATA_DIR } from './client.ts';
import { EXIT } from './output.ts';

/** What every group of commands registers itself with. */
export interface Cli {
  program: Command;
  /** An API client for the server and credentials the global options name. */
  client(): ApiClient;
  /** Wraps an action so its result becomes the process's exit code. */
  run<A extends unknown[]>(action: (...args: A) => Promise<number>): (...args: A) => Promise<void>;
  /** The data dir: --data-dir anywhere on the line, CUTOVER_DATA_DIR, or ./.cutover. */
  dataDir(): string;
  /** A path segment, encoded. */
  svc(name: string): string;
  /** The exit code the last action set. */
  exitCode: number;
}

export function createCli(program: Command): Cli {
  const cli: Cli = {
    program,
    client: () => new ApiClient(program.opts<{ server?: string; dataDir?: string }>()),
    run<A extends unknown[]>(action: (...args: A) => Promise<number>) {
      return async (...args: A) => {
        cli.exitCode = await action(...args);
      };
    },
    dataDir: () => program.opts<{ dataDir?: string }>().dataDir ?? process.env.CUTOVER_DATA_DIR ?? DEFAULT_DATA_DIR,
    svc: (name: string) => encodeURIComponent(name),
    exitCode: EXIT.ok,
  };
  return cli;
}
