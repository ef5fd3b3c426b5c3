import type { Alert } from './alert.ts';
import { describeUrl, postJson } from './post-json.ts';
import { webhookHeaders, webhookKey, webhookMessageId } from './signature.ts';
import type { AlertSink, SinkConfig, SinkOptions } from './sink.ts';

/** What a webhook receives: the Standard Webhooks envelope around the alert. */
export interface AlertWebhookBody {
  type: 'cutover.alert';
  /** ISO 8601, when the condition was seen. */
  timestamp: string;
  data: Alert;
}

/** POSTs each alert as JSON signed per Standard Webhooks, so the receiver can tell it came from us and unchanged. */
export function createWebhookSink(config: Extract<SinkConfig, { type: 'webhook' }>, options: SinkOptions): AlertSink {
  // Parsed once, so a bad secret is reported when the config is loaded rather than at the first alert.
  const key = webhookKey(config.secret);
  return {
    name: config.name ?? `webhook ${describeUrl(config.url)}`,
    async send(alert) {
      const envelope: AlertWebhookBody = { type: 'cutover.alert', timestamp: new Date(alert.at).toISOString(), data: alert };
      const body = JSON.stringify(envelope);
      const headers = webhookHeaders(key, webhookMessageId(alert.id, alert.at), body, options.now());
      await postJson(config.url, body, headers, options.timeoutMs);
    },
  };
}
