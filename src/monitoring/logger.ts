import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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
  return usePretty ? pino(base, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name' })) : pino(base);
}

/** A logger that writes nothing, for tests and in-process helpers. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
