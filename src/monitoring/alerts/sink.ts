import type { Logger } from '../logger.ts';
import type { Alert } from './alert.ts';
import { createLogSink } from './log-sink.ts';
import { createSlackSink } from './slack-sink.ts';
import { createWebhookSink } from './webhook-sink.ts';

/** Where alerts go. */
export interface AlertSink {
  /** Names the sink in results and logs without its secrets: `webhook hooks.example.com`. */
  readonly name: string;
  /** Delivers one alert once; throws a DeliveryError when it could not (the dispatcher retries). */
  send(alert: Alert): Promise<void>;
}

export type SinkConfig =
  | { type: 'webhook'; url: string; /** `whsec_<base64>`, shared with the receiver. */ secret: string; name?: string }
  | { type: 'slack'; url: string; name?: string }
  | { type: 'log'; name?: string };

export interface SinkOptions {
  logger: Logger;
  /** Per attempt. @default 10000 */
  timeoutMs: number;
  now: () => number;
}

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
      throw new Error(`no alert sink of type ${JSON.stringify((unknown as { type: unknown }).type)}: use webhook, slack or log`);
    }
  }
}
