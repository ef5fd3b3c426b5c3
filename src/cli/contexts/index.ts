/** Named contexts (a server and its credentials) in the CLI's config file, and how a command picks its server and credentials. */
export { configPath, CONTEXT_NAME, contextProblems, readConfig, writeConfig } from './config-file.ts';
export type { CliConfig, Context } from './config-file.ts';
export { clientOptions, selectedContext } from './resolve.ts';
export type { GlobalFlags, SelectedContext } from './resolve.ts';
