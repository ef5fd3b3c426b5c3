import type { RevisionStats, RouterStats, StatusClass } from '../../router/wire.ts';
import { formatFamily, type MetricFamily, type Sample } from './exposition.ts';

/**
 * The router's counters for one service, in the text exposition format 0.0.4
 * (Content-Type below). `versions` (revision -> version, from the config it
 * serves) becomes `cutover_router_revision_info`, which dashboards join on
 * `revision` to show versions.
 */
export function routerMetricsText(stats: RouterStats, labels: { service: string; environment?: string | undefined; versions?: Record<string, string> }): string {
  // The environment is a label when the config names one (configs pushed before environments were identity do not).
  const service: Record<string, string> = labels.environment ? { service: labels.service, environment: labels.environment } : { service: labels.service };
  const versions = Object.entries(labels.versions ?? {}).sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b));
  const revisions = Object.entries(stats.revisions).sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b));
  const backends = Object.entries(stats.backends).sort(([a], [b]) => a.localeCompare(b));
  const families: MetricFamily[] = [
    {
      name: 'cutover_router_requests_total',
      help: 'Requests routed to each revision since the router started, by the class of their answer (5xx includes answers broken off and the router\'s own 502/503; none: the client went away first).',
      type: 'counter',
      samples: revisions.flatMap(([revision, r]) => requestSamples({ ...service, revision }, r)),
    },
    {
      name: 'cutover_router_revision_info',
      help: 'The version each revision the router serves runs (always 1).',
      type: 'gauge',
      samples: versions.map(([revision, version]) => ({ labels: { ...service, revision, version }, value: 1 })),
    },
    {
      name: 'cutover_router_errors_total',
      help: 'Failed requests: upstream_5xx when the instance answered 5xx or broke off, router when the router answered 502/503 itself.',
      type: 'counter',
      samples: revisions.flatMap(([revision, r]) => [
        { labels: { ...service, revision, kind: 'upstream_5xx' }, value: r.errors5xx },
        { labels: { ...service, revision, kind: 'router' }, value: r.routerErrors },
      ]),
    },
    {
      name: 'cutover_router_request_duration_seconds',
      help: 'Time from a request arriving to the last byte of its answer relayed, for requests an instance answered.',
      type: 'histogram',
      samples: revisions.flatMap(([revision, r]) => latencySamples({ ...service, revision }, r.latency)),
    },
    {
      name: 'cutover_router_backend_in_flight',
      help: 'Requests each instance is serving now.',
      type: 'gauge',
      samples: backends.map(([backend, b]) => ({ labels: { ...service, backend }, value: b.inFlight })),
    },
    {
      name: 'cutover_router_backend_healthy',
      help: "1 when the router's health check passes for the instance, else 0.",
      type: 'gauge',
      samples: backends.map(([backend, b]) => ({ labels: { ...service, backend }, value: b.healthy ? 1 : 0 })),
    },
  ];
  return families.map(formatFamily).join('');
}

export const ROUTER_METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'none'];

/** One sample per status class seen; a router that does not count classes yet gives its total unlabelled. */
function requestSamples(labels: Record<string, string>, stats: RevisionStats): Sample[] {
  const classes = stats.statusClasses;
  if (!classes) return [{ labels, value: stats.requests }];
  return STATUS_CLASSES.filter((statusClass) => classes[statusClass] !== undefined).map((statusClass) => ({
    labels: { ...labels, status_class: statusClass },
    value: classes[statusClass]!,
  }));
}

/** Millisecond buckets become `le` in seconds; the counts are already cumulative, and +Inf holds every observation. */
function latencySamples(labels: Record<string, string>, latency: RevisionStats['latency']): Sample[] {
  const buckets: Sample[] = latency.buckets.map((ms, i) => ({
    suffix: '_bucket',
    labels: { ...labels, le: String(ms / 1000) },
    value: latency.counts[i] ?? 0,
  }));
  return [
    ...buckets,
    { suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: latency.count },
    { suffix: '_sum', labels, value: latency.sumMs / 1000 },
    { suffix: '_count', labels, value: latency.count },
  ];
}
