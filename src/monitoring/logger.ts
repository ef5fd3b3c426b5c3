import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { colourWanted } from '../core/colour.ts';

export type { Logger };

/**
 * Structured JSON logs (one object a line) for machines; readable lines on
 * a terminal. Fields named like secrets are redacted wherever they appear.
 */
export function createLogger(options: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  const level = options.level ?? process.env.CUTOVER_LOG_LEVEL ?? 'info';
  const base = {
    level,
    name: options.name ?? 'cutover',
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
  };
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  // Readable lines on a terminal, coloured only as NO_COLOR / FORCE_COLOR allow (pretty lines to a pipe stay plain).
  return usePretty ? pino(base, pretty({ colorize: colourWanted(process.stdout), translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name' })) : pino(base);
}

/** A logger that writes nothing, for tests and in-process helpers. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
