import type { Logger } from '../logger.ts';
import type { Alert } from './alert.ts';

/**
 * Where alerts go: the contract every sink implements. Each sink is a file of
 * its own; create-sink.ts is the registry that picks one by `type`.
 */
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
