import type { Command } from 'commander';
import type { ApiClient } from '../client/index.ts';
import type { ServiceRef } from '../core/types.ts';

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
  /** The (service, environment) a command names: --env, CUTOVER_ENV, or the one environment the server has it in (several: an error listing them). */
  target(api: ApiClient, service: string, env: string | undefined): Promise<ServiceRef>;
  /** The exit code the last action set. */
  exitCode: number;
}
