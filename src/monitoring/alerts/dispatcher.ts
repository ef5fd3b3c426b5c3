import type { Deployment } from '../../core/deployment.ts';
import { messageOf } from '../../core/errors.ts';
import type { StoredEvent } from '../../store/deployments.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { Alert } from './alert.ts';
import type { AlertsConfig } from './config.ts';
import { DedupWindow } from './dedup.ts';
import { DeliveryError } from './delivery-error.ts';
import { alertsForEvent } from './event-rules.ts';
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { resolveRules, type RulesConfig } from './rules-config.ts';
import { createSink } from './create-sink.ts';
import type { AlertSink } from './sink.ts';
import { evaluateTimers } from './timer-rules.ts';

/** One attempt at one sink: what `cutover alerts test` prints and the log records. */
export interface DeliveryRecord {
  alert: string;
  sink: string;
  attempt: number;
  ok: boolean;
  status?: number;
  error?: string;
  /** Epoch ms when the attempt ended. */
  at: number;
  /** The wait before the next attempt, when there is one. */
  retryInMs?: number;
}

/** How one alert went at one sink, after every attempt. */
export interface SinkResult {
  sink: string;
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

export interface AlertDispatch {
  alert: Alert;
  /** True when it was sent within the dedup window already, and so not sent now. */
  deduplicated: boolean;
  results: SinkResult[];
}

export interface DispatcherOptions {
  /** Where failures and deliveries are logged. @default a silent logger */
  logger?: Logger;
  now?: () => number;
  /** Waits between attempts; tests pass one that resolves at once. */
  sleep?: (ms: number) => Promise<void>;
  /** The jitter's source, 0 ≤ x < 1. @default Math.random */
  random?: () => number;
}

const KEPT_RECORDS = 500;

/**
 * Turns events and timers into alerts and delivers them to every sink, with
 * retries and deduplication. Nothing it does throws into the caller: alerts
 * must never stop a deployment, so failures are logged and recorded.
 */
export class AlertDispatcher {
  readonly rules: RulesConfig;
  private readonly sinks: AlertSink[];
  private readonly retry: RetryPolicy;
  private readonly dedup: DedupWindow;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly records: DeliveryRecord[] = [];

  /** Throws when a sink's config is unusable (a bad secret), so it is found at startup. */
  constructor(config: AlertsConfig, options: DispatcherOptions = {}) {
    this.logger = options.logger ?? silentLogger();
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.rules = resolveRules(config.rules);
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
    this.dedup = new DedupWindow(config.dedupWindowMs ?? 3_600_000, this.now);
    const sinkOptions = { logger: this.logger, timeoutMs: config.timeoutMs ?? 10_000, now: this.now };
    this.sinks = config.sinks.map((sink) => createSink(sink, sinkOptions));
  }

  /** Sends the alerts one stored event raises; `before` is the deployment's state before the event. */
  async observeEvent(event: StoredEvent, before: Deployment | null): Promise<AlertDispatch[]> {
    return this.dispatchAll(() => alertsForEvent(event, before, this.rules));
  }

  /** The alerts one stored event raises, without sending them (replicas claim the event first); none when the rules fail. */
  alertsFor(event: StoredEvent, before: Deployment | null): Alert[] {
    return this.evaluate(() => alertsForEvent(event, before, this.rules));
  }

  /** Sends alerts `alertsFor` returned. */
  send(alerts: readonly Alert[]): Promise<AlertDispatch[]> {
    return Promise.all(alerts.map((alert) => this.dispatch(alert)));
  }

  /** Sends the alerts time has raised; call it every few seconds with the unfinished deployments. */
  async checkTimers(deployments: readonly Deployment[], progressDeadlineMs: (d: Deployment) => number | undefined): Promise<AlertDispatch[]> {
    return this.dispatchAll(() => evaluateTimers(deployments, this.now(), { rules: this.rules, progressDeadlineMs }));
  }

  /** Sends one alert to every sink at once, unless the same id went out within the dedup window. */
  async dispatch(alert: Alert): Promise<AlertDispatch> {
    if (!this.dedup.admit(alert.id)) return { alert, deduplicated: true, results: [] };
    const results = await Promise.all(this.sinks.map((sink) => this.deliver(sink, alert)));
    return { alert, deduplicated: false, results };
  }

  /** The latest delivery attempts, oldest first. */
  deliveries(): DeliveryRecord[] {
    return [...this.records];
  }

  private async dispatchAll(evaluate: () => Alert[]): Promise<AlertDispatch[]> {
    return this.send(this.evaluate(evaluate));
  }

  private evaluate(rules: () => Alert[]): Alert[] {
    try {
      return rules();
    } catch (error) {
      this.logger.error({ err: messageOf(error) }, 'evaluating alert rules failed');
      return [];
    }
  }

  private async deliver(sink: AlertSink, alert: Alert): Promise<SinkResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        await sink.send(alert);
        this.record({ alert: alert.id, sink: sink.name, attempt, ok: true, at: this.now() });
        return { sink: sink.name, ok: true, attempts: attempt };
      } catch (error) {
        const status = error instanceof DeliveryError ? error.status : undefined;
        const retryable = error instanceof DeliveryError ? error.retryable : true;
        const last = !retryable || attempt >= this.retry.attempts;
        const retryInMs = last ? undefined : backoffDelay(attempt, this.retry, this.random);
        const failure = { sink: sink.name, ok: false, attempts: attempt, error: messageOf(error), ...(status === undefined ? {} : { status }) };
        this.record({ ...failure, alert: alert.id, attempt, at: this.now(), ...(retryInMs === undefined ? {} : { retryInMs }) });
        if (retryInMs === undefined) {
          this.logger.error({ alert: alert.id, sink: sink.name, attempts: attempt, err: failure.error }, 'alert not delivered; giving up');
          return failure;
        }
        await this.sleep(retryInMs);
      }
    }
  }

  private record(record: DeliveryRecord): void {
    this.records.push(record);
    if (this.records.length > KEPT_RECORDS) this.records.splice(0, this.records.length - KEPT_RECORDS);
    if (record.ok) this.logger.info({ delivery: record }, `alert ${record.alert} delivered to ${record.sink}`);
    else this.logger.warn({ delivery: record }, `alert ${record.alert} to ${record.sink} failed (attempt ${record.attempt}): ${record.error}`);
  }
}
