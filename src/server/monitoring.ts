import { Counter } from 'prom-client';
import type { Deployment } from '../core/deployment.ts';
import { refOf, serviceKey } from '../core/types.ts';
import { messageOf } from '../core/errors.ts';
import { packageVersion } from '../core/version.ts';
import type { EngineContext } from '../engine/context.ts';
import { AlertDispatcher, type AlertsConfig } from '../monitoring/alerts/index.ts';
import { createControlPlaneMetrics, type ControlPlaneMetrics } from '../monitoring/metrics/index.ts';
import { LeaderAlerts } from './leader-alerts.ts';

/** How often waiting-for-a-person and progress-deadline alerts are checked. */
const TIMER_INTERVAL_MS = 5000;

/**
 * Metrics and alerts read the same event stream as status and history: each
 * stored event (with the deployment as it was before it) updates the
 * counters and may raise an alert; a timer raises the alerts that are about
 * time passing.
 */
export interface Monitoring {
  metrics: ControlPlaneMetrics;
  dispatcher: AlertDispatcher;
  /** Replicas: this one leads with fencing token `token` from now on; it sends alerts (leader-alerts.ts). */
  lead(token: number): void;
  /** Replicas: this one follows; it sends no alert. */
  follow(): void;
  stop(): void;
}

export function startMonitoring(ctx: EngineContext, alerts: AlertsConfig): Monitoring {
  const metrics = createControlPlaneMetrics({ version: packageVersion() });
  metrics.trackInProgress(ctx.store.deployments.unfinished());
  metrics.setInstanceSource(() => ctx.store.instances.liveSummaries().map((i) => ({ service: i.service, environment: i.environment, revision: i.revision, state: i.retireAt !== null ? 'retiring' : i.state })));
  // Two queries whatever the number of services, plus a revision for each deployment in progress (only those have a deadline gauge):
  // two queries per service made a scrape of 1,000 services 2,000 round trips on PostgreSQL.
  metrics.setStateSource(() => {
    const latest = ctx.store.deployments.latestOfEach();
    return ctx.store.services.list().map((record) => {
      const deployment = latest.get(serviceKey(refOf(record))) ?? null;
      const deadline = deployment && deployment.finishedAt === null ? ctx.store.services.revision(refOf(record), deployment.revision)?.spec.progressDeadlineMs : undefined;
      return { service: record.name, environment: record.environment, weights: record.traffic.weights, deployment, ...(deadline !== undefined ? { progressDeadlineMs: deadline } : {}) };
    });
  });
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
  new Counter({
    name: 'cutover_store_statements_total',
    help: 'Statements the control plane ran in its store since it started (on PostgreSQL, round trips: statements sent together count once).',
    registers: [metrics.registry],
    collect() {
      this.reset();
      this.inc(db.statementsRun());
    },
  });
  const dispatcher = new AlertDispatcher(alerts, { logger: ctx.log });
  // Replicas: the leader alone sends alerts, for every event whoever wrote it (a follower's too), each once across a change of leader.
  const leaderAlerts = ctx.fence ? new LeaderAlerts(ctx.store, ctx.fence, dispatcher, ctx.log) : null;
  const unsubscribe = ctx.store.deployments.onEvent((event, before) => {
    try {
      metrics.observeEvent(event, before);
    } catch (error) {
      ctx.log.error({ err: messageOf(error) }, 'metrics could not observe an event');
    }
    if (leaderAlerts) leaderAlerts.own(event, before);
    else dispatcher.observeEvent(event, before).catch((error: unknown) => ctx.log.error({ err: messageOf(error) }, 'alert dispatch failed'));
  });
  const unfollow = leaderAlerts ? ctx.store.deployments.follow((event) => leaderAlerts.observe(event)) : () => undefined;
  const timer = setInterval(() => {
    if (ctx.fence && !ctx.fence.leads()) return;
    leaderAlerts?.checkpoint();
    // Each deployment's own deadline: the one in its revision's spec.
    const deadline = (d: Deployment) => ctx.store.services.revision(d, d.revision)?.spec.progressDeadlineMs;
    dispatcher.checkTimers(ctx.store.deployments.unfinished(), deadline).catch((error: unknown) => ctx.log.error({ err: messageOf(error) }, 'alert timers failed'));
  }, TIMER_INTERVAL_MS);
  timer.unref();
  return {
    metrics,
    dispatcher,
    lead: (token) => leaderAlerts?.lead(token),
    follow: () => leaderAlerts?.follow(),
    stop() {
      clearInterval(timer);
      unsubscribe();
      unfollow();
    },
  };
}
