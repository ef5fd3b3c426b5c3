import { pino } from 'pino';

/**
 * What the router logs with: one JSON line per notable event (start, config
 * applied, backend down/up, stop). A pino logger fits; tests pass a quiet one.
 */
export interface RouterLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** JSON lines on stdout, written synchronously so the last lines survive an exit. */
export function createRouterLogger(): RouterLogger {
  return pino(
    { base: { component: 'router', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that drops everything (in-process uses that do not want router lines). */
export const silentLogger: RouterLogger = { info() {}, warn() {}, error() {} };
