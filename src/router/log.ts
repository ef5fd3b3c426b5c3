/**
 * What the router logs with: one JSON line per notable event (start, config
 * applied, backend down/up, stop). A pino logger fits; tests pass a quiet one.
 */
export interface RouterLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** pino's level numbers, so the router's lines read like the control plane's. */
const LEVEL = { info: 30, warn: 40, error: 50 } as const;

/**
 * JSON lines on stdout in pino's shape (`level`, `time`, `pid`, `component`,
 * the fields, `msg`), written synchronously so the last lines survive an
 * exit. Hand-written rather than pino itself: the router logs a few lines an
 * hour, and pino costs ~7 MB of resident memory in every router process.
 */
export function createRouterLogger(write: (line: string) => void = writeStdout): RouterLogger {
  const line = (level: keyof typeof LEVEL, fields: Record<string, unknown>, message: string): void => {
    const record = { level: LEVEL[level], time: new Date().toISOString(), component: 'router', pid: process.pid, ...fields, msg: message };
    write(`${JSON.stringify(record, errorsAsObjects)}\n`);
  };
  return {
    info: (fields, message) => line('info', fields, message),
    warn: (fields, message) => line('warn', fields, message),
    error: (fields, message) => line('error', fields, message),
  };
}

/** A logger that drops everything (in-process uses that do not want router lines). */
export const silentLogger: RouterLogger = { info() {}, warn() {}, error() {} };

function writeStdout(line: string): void {
  try {
    process.stdout.write(line);
  } catch {
    // stdout closed (the control plane went away): the router keeps serving without its log.
  }
}

/** An Error's own fields are not enumerable; pino writes them as {type, message, stack}, and so does this. */
function errorsAsObjects(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  return value;
}
