import type { InstanceLaunch } from '../platform.ts';

/** Labels on every container and swarm service: what it is, and whose (this server's opaque mark). */
export const LABEL = {
  mark: 'cutover.mark',
  instance: 'cutover.instance',
  service: 'cutover.service',
  environment: 'cutover.environment',
  revision: 'cutover.revision',
  log: 'cutover.log',
} as const;

/** Where the artifact is mounted (read-only) and the instance's working directory. */
export const APP_DIR = '/app';

/** The labels of an instance's container (docker) or service and task (swarm): adoption finds it by them. */
export function instanceLabels(mark: string, launch: InstanceLaunch): Record<string, string> {
  return {
    [LABEL.mark]: mark,
    [LABEL.instance]: launch.id,
    [LABEL.service]: launch.service,
    [LABEL.environment]: launch.environment,
    [LABEL.revision]: String(launch.revision),
    [LABEL.log]: launch.logPath,
  };
}

/**
 * An instance's environment in the engine's `KEY=value` form: a minimal
 * PATH and HOME, the spec's (and its secrets'), then `overrides` (what the
 * platform must decide, e.g. the address to listen on), then what cutover
 * sets and the spec cannot change.
 */
export function instanceEnv(launch: InstanceLaunch, overrides: Record<string, string> = {}): string[] {
  return Object.entries({
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/tmp',
    ...launch.env,
    ...overrides,
    PORT: String(launch.port),
    CUTOVER_SERVICE: launch.service,
    CUTOVER_ENVIRONMENT: launch.environment,
    CUTOVER_VERSION: launch.version,
    CUTOVER_REVISION: String(launch.revision),
    CUTOVER_INSTANCE: launch.id,
  }).map(([key, value]) => `${key}=${value}`);
}
