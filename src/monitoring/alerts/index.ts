/** Alerts: rules that raise them from events and timers, sinks that deliver them, a dispatcher between. */
export { AlertRule, alertId, type Alert, type AlertDetail, type Severity } from './alert.ts';
export { alertsForEvent } from './event-rules.ts';
export { evaluateTimers, type TimerOptions } from './timer-rules.ts';
export { DEFAULT_RULES, resolveRules, type RuleSettings, type RulesConfig, type RulesInput } from './rules-config.ts';
export { parseAlertsConfig, type AlertsConfig } from './config.ts';
export { AlertDispatcher, type AlertDispatch, type DeliveryRecord, type DispatcherOptions, type SinkResult } from './dispatcher.ts';
export { checkSinks, sinkCheckAlert } from './check-sinks.ts';
export type { AlertSink, SinkConfig, SinkOptions } from './sink.ts';
export { createSink } from './create-sink.ts';
export { DeliveryError } from './delivery-error.ts';
export { slackMessage, type SlackMessage, type SlackBlock } from './slack-sink.ts';
export type { AlertWebhookBody } from './webhook-sink.ts';
export { signWebhook, webhookKey } from './signature.ts';
export { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
