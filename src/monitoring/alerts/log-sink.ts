import type { Alert } from './alert.ts';
import type { AlertSink, SinkConfig, SinkOptions } from './sink.ts';

const LEVEL = { critical: 'error', warning: 'warn', info: 'info' } as const;

/** One structured log line per alert, at a level that follows its severity. */
export function createLogSink(config: Extract<SinkConfig, { type: 'log' }>, options: SinkOptions): AlertSink {
  return {
    name: config.name ?? 'log',
    send(alert: Alert) {
      options.logger[LEVEL[alert.severity]]({ alert }, `alert ${alert.rule}: ${alert.summary}`);
      return Promise.resolve();
    },
  };
}
