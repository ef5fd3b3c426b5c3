import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { createLogSink } from './log-sink.ts';
import type { AlertSink, SinkConfig, SinkOptions } from './sink.ts';
import { createSlackSink } from './slack-sink.ts';
import { createWebhookSink } from './webhook-sink.ts';

/** The registry of alert sinks: one explicit switch. */
export function createSink(config: SinkConfig, options: SinkOptions): AlertSink {
  switch (config.type) {
    case 'webhook':
      return createWebhookSink(config, options);
    case 'slack':
      return createSlackSink(config, options);
    case 'log':
      return createLogSink(config, options);
    default: {
      const unknown: never = config;
      throw new CutoverError(ErrorCode.InvalidConfig, `no alert sink of type ${JSON.stringify((unknown as { type: unknown }).type)}; use webhook, slack or log`);
    }
  }
}
