import { Counter } from 'prom-client';
import type { Deployment } from '../core/deployment.ts';
import { refOf } from '../core/types.ts';
import { messageOf } from '../core/errors.ts';
import { packageVersion } from '../core/version.ts';
import type { EngineContext } from '../engine/context.ts';
import { AlertDispatcher, type AlertsConfig } from '../monitoring/alerts/index.ts';
import { createControlPlaneMetrics, type ControlPlaneMetrics } from '../monitoring/metrics/index.ts';

/** How often waiting-for-a-person and progress-deadline alerts are checked. */
const TIMER_INTERVAL_MS = 5000;

/**
 * Metrics and alerts read the same event stream as status and history: each
 * stored event (with the deployment as it was before it) updates the
 * counters and may raise an alert; a timer raises the alerts that are about
 * time passing.
 */
export function startMonitoring(ctx: EngineContext, alerts: AlertsConfig): { metrics: ControlPlaneMetrics; dispatcher: AlertDispatcher; stop(): void } {
  const metrics = createControlPlaneMetrics({ version: packageVersion() });
  metrics.trackInProgress(ctx.store.deployments.unfinished());
  metrics.setInstanceSource(() => ctx.store.instances.live().map((i) => ({ service: i.service, environment: i.environment, revision: i.revision, state: i.retireAt !== null ? 'retiring' : i.state })));
  metrics.setStateSource(() =>
    ctx.store.services.list().map((record) => {
      const deployment = ctx.store.deployments.latest(refOf(record));
      const deadline = deployment ? ctx.store.services.revision(refOf(record), deployment.revision)?.spec.progressDeadlineMs : undefined;
      return { service: record.name, environment: record.environment, weights: record.traffic.weights, deployment, ...(deadline !== undefined ? { progressDeadlineMs: deadline } : {}) };
    }),
  );
  // Read at each scrape from the database connection's own count: no cost per write.
  const db = ctx.store.db;
  new Counter({
    name: 'cutover_store_rows_written_total',
    help: 'Rows the control plane inserted, updated or deleted in its store since it started.',
    registers: [metrics.registry],
    collect() {
      this.reset();
      this.inc(db.rowsWritten());
    },
  });
  const dispatcher = new AlertDispatcher(alerts, { logger: ctx.log });
  const unsubscribe = ctx.store.deployments.onEvent((event, before) => {
    try {
      metrics.observeEvent(event, before);
    } catch (error) {
      ctx.log.error({ err: messageOf(error) }, 'metrics could not observe an event');
    }
    // Alerts go out from the leader only: every replica sees the events it wrote, and one alert is enough.
    if (ctx.fence && !ctx.fence.leads()) return;
    dispatcher.observeEvent(event, before).catch((error: unknown) => ctx.log.error({ err: messageOf(error) }, 'alert dispatch failed'));
  });
  const timer = setInterval(() => {
    if (ctx.fence && !ctx.fence.leads()) return;
    // Each deployment's own deadline: the one in its revision's spec.
    const deadline = (d: Deployment) => ctx.store.services.revision(d, d.revision)?.spec.progressDeadlineMs;
    dispatcher.checkTimers(ctx.store.deployments.unfinished(), deadline).catch((error: unknown) => ctx.log.error({ err: messageOf(error) }, 'alert timers failed'));
  }, TIMER_INTERVAL_MS);
  timer.unref();
  return {
    metrics,
    dispatcher,
    stop() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
